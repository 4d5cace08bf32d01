import { createHash } from "node:crypto";
import type { Access } from "@spx/runtime/access";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type GraphQLType,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  print,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import { fragmentsOf, operationOf } from "./document-parts.js";
import type { FieldAccess } from "./field-access.js";

/** Marks a list level in a refusal's path, as Apollo Router does: the refusal holds for every item. */
export const EACH = "@";

/** A field removed from the operation: where it sits in the response, and what it is. */
export interface Refusal {
  path: string[];
  coordinate: string;
}

export interface OperationDecision {
  /** What the caller may run: the operation without the refused fields (the input if none). */
  document: DocumentNode;
  /** Hash of that document, so that query plans are cached per filtered document. */
  queryHash: string;
  refusals: Refusal[];
  /** Whether a placeholder stands in for a selection that lost all its fields. */
  placeholder: boolean;
}

/** Stands in for an emptied selection set (which GraphQL forbids); removed from the response. */
export const PLACEHOLDER = "_spxRefused";

function listDepth(type: GraphQLType): number {
  let depth = 0;
  let current = type;
  while (isNonNullType(current) || isListType(current)) {
    if (isListType(current)) {
      depth++;
    }
    current = current.ofType;
  }
  return depth;
}

/**
 * Removes from an operation every field the caller may not read, wherever it hides: under
 * aliases, in named or inline fragments, on interfaces, behind `@include`/`@skip` (removed
 * whatever the variables say). Each removal is reported with its response path. The decision
 * depends only on the document and the caller's grant, so it is cached by the caller.
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  fieldAccess: FieldAccess,
  access: Access,
  document: DocumentNode,
  operationName: string | null,
  queryHash: string,
): OperationDecision {
  const operation = operationOf(document, operationName);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) {
    return { document, queryHash, refusals: [], placeholder: false };
  }
  const fragments = fragmentsOf(document);
  const removed = new Set<FieldNode>();
  // Each named fragment is walked once, on its type condition, and what it refuses (relative to
  // where it is spread) is reused at every spread: a fragment spread twice by a fragment spread
  // twice… costs its size once, not 2^levels times.
  const byFragment = new Map<string, Refusal[]>();

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): Refusal[] => {
    const found = new Refusals();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith("__")) {
          continue;
        }
        const key = selection.alias?.value ?? name;
        if (!fieldAccess.canRead(schema, access, parent, name)) {
          removed.add(selection);
          found.add([key], `${parent.name}.${name}`);
          continue;
        }
        const field = "getFields" in parent ? parent.getFields()[name] : undefined;
        const named = field ? getNamedType(field.type) : undefined;
        if (selection.selectionSet && field && named && isCompositeType(named)) {
          const prefix = [key, ...Array.from({ length: listDepth(field.type) }, () => EACH)];
          found.addAll(walk(selection.selectionSet, named), prefix);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) {
          found.addAll(walk(selection.selectionSet, condition), []);
        }
      } else {
        found.addAll(walkFragment(selection.name.value), []);
      }
    }
    return found.list;
  };

  const walkFragment = (name: string): Refusal[] => {
    const known = byFragment.get(name);
    if (known) {
      return known;
    }
    // Validation has already refused fragment cycles; marking the fragment first keeps this finite.
    byFragment.set(name, []);
    const fragment = fragments.get(name);
    const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
    const refusals = fragment && condition && isCompositeType(condition) ? walk(fragment.selectionSet, condition) : [];
    byFragment.set(name, refusals);
    return refusals;
  };
  const refusals = walk(operation.selectionSet, rootType);

  if (removed.size === 0) {
    return { document, queryHash, refusals, placeholder: false };
  }
  const filtered = rebuild(document, operation, removed);
  const printed = print(filtered.document);
  return {
    document: filtered.document,
    queryHash: createHash("sha256").update(printed).digest("hex"),
    refusals,
    placeholder: filtered.placeholder,
  };
}

/** Refusals in the order found, each (path, coordinate) once however many spreads lead to it. */
class Refusals {
  readonly list: Refusal[] = [];
  private readonly seen = new Set<string>();

  add(path: string[], coordinate: string): void {
    const key = `${coordinate}\u0000${path.join("\u0000")}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.list.push({ path, coordinate });
    }
  }

  addAll(refusals: readonly Refusal[], prefix: readonly string[]): void {
    for (const refusal of refusals) {
      this.add(prefix.length === 0 ? refusal.path : [...prefix, ...refusal.path], refusal.coordinate);
    }
  }
}

const placeholderField: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: PLACEHOLDER },
  name: { kind: Kind.NAME, value: "__typename" },
};

/** The operation alone, without the removed fields, and without what they alone used. */
function rebuild(document: DocumentNode, operation: OperationDefinitionNode, removed: Set<FieldNode>) {
  let placeholder = false;
  const pruned = visit(
    {
      ...document,
      definitions: document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION || d === operation),
    },
    {
      Field: (node) => (removed.has(node) ? null : undefined),
      SelectionSet: {
        leave: (node) => {
          if (node.selections.length > 0) {
            return undefined;
          }
          placeholder = true;
          return { ...node, selections: [placeholderField] as readonly SelectionNode[] };
        },
      },
    },
  );
  // Fragments only spread under removed fields, and variables only used there, must go too.
  const fragments = fragmentsOf(pruned);
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) => {
    visit(node.selectionSet, {
      FragmentSpread: (spread) => {
        if (!usedFragments.has(spread.name.value)) {
          usedFragments.add(spread.name.value);
          const fragment = fragments.get(spread.name.value);
          if (fragment) {
            collect(fragment);
          }
        }
      },
      Variable: (variable) => {
        usedVariables.add(variable.name.value);
      },
    });
    for (const directive of node.directives ?? []) {
      visit(directive, { Variable: (variable) => void usedVariables.add(variable.name.value) });
    }
  };
  const prunedOperation = pruned.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (prunedOperation) {
    collect(prunedOperation);
  }
  const definitions = pruned.definitions
    .filter((d) => d.kind !== Kind.FRAGMENT_DEFINITION || usedFragments.has(d.name.value))
    .map((d) =>
      d.kind === Kind.OPERATION_DEFINITION
        ? {
            ...d,
            variableDefinitions: d.variableDefinitions?.filter((v) => usedVariables.has(v.variable.name.value)),
          }
        : d,
    );
  return { document: { ...pruned, definitions }, placeholder };
}
