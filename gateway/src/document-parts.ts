import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
} from "graphql";

/*
 * The parts of a document every walk over an operation starts from (authorization, served fields,
 * limits, cost, refusals, partial answers): the operation a request runs and the named fragments
 * its spreads refer to.
 */

export type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

// Apollo hands the same parsed document to every request that sends it, and documents are never
// changed once parsed: each walk finds its fragments here instead of building the map again.
const fragmentsByDocument = new WeakMap<DocumentNode, Fragments>();

/** A document's named fragments, by name. */
export function fragmentsOf(document: DocumentNode): Fragments {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    const byName = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        byName.set(definition.name.value, definition);
      }
    }
    fragments = byName;
    fragmentsByDocument.set(document, fragments);
  }
  return fragments;
}

/** The operation a request runs: the one named, or the document's only one (graphql-js's rule). */
export function operationOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  return getOperationAST(document, operationName) ?? undefined;
}
