import type { OperationLimits } from "@spx/runtime/access";
import {
  type DirectiveNode,
  type DocumentNode,
  Kind,
  Lexer,
  type SelectionSetNode,
  Source,
  type Token,
  TokenKind,
} from "graphql";
import { fragmentsOf, operationOf } from "../document-parts.js";

/** What an operation asks for, measured as the operation limits count it (one value per limit). */
export type OperationShape = Readonly<OperationLimits>;

/**
 * Counts saturate here instead of growing: a fragment spread twice per level doubles at each level,
 * so 60 levels would be 2^60 selections. Far above any limit and exact as a double, it keeps an
 * exponential document a big number rather than work.
 */
export const SATURATED = 2 ** 50;

const add = (a: number, b: number) => Math.min(a + b, SATURATED);

/** A selection set's measures after expanding its fragments; depth 0 for a set of no fields. */
interface SetMeasure {
  depth: number;
  selections: number;
  aliases: number;
  /** Fields at this level once inline fragments and spreads are expanded (root fields at the root). */
  fields: number;
}

const EMPTY: SetMeasure = { depth: 0, selections: 0, aliases: 0, fields: 0 };

/**
 * Introspection nests `ofType` a dozen levels deep (the standard query is depth 15), so its depth
 * is not counted: graphql-js's MaxIntrospectionDepthRule already bounds its recursion, and
 * production serves no introspection at all. Its selections and aliases count like any others.
 */
const INTROSPECTION = new Set(["__schema", "__type"]);

/**
 * Parser tokens of a parsed document, as graphql-js counts them for `maxTokens` (comments and the
 * start and end of the text are not tokens). The parser links every token it read, so this walks
 * that list; a document parsed without locations is lexed again.
 */
export function countTokens(document: DocumentNode, source: string | undefined, cap = SATURATED): number {
  const start: Token | undefined = document.loc?.startToken;
  let count = 0;
  if (start) {
    for (let token = start.next; token && token.kind !== TokenKind.EOF; token = token.next) {
      if (token.kind !== TokenKind.COMMENT && ++count > cap) {
        break;
      }
    }
    return count;
  }
  return source === undefined ? 0 : lexedTokens(source, cap);
}

/** Tokens of a text, lexed only until `cap` is passed: a huge document costs no more than the cap. */
export function lexedTokens(source: string, cap: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (count <= cap && lexer.advance().kind !== TokenKind.EOF) {
    count++;
  }
  return count;
}

function mostDirectives(document: DocumentNode): number {
  let most = 0;
  const look = (directives: readonly DirectiveNode[] | undefined) => {
    if (directives && directives.length > most) {
      most = directives.length;
    }
  };
  // Each node is visited once: fragments are definitions, read where they are defined, not spread.
  const inSet = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      look(selection.directives);
      if (selection.kind !== Kind.FRAGMENT_SPREAD) {
        inSet(selection.selectionSet);
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      look(definition.directives);
      for (const variable of definition.variableDefinitions ?? []) {
        look(variable.directives);
      }
      inSet(definition.selectionSet);
    }
  }
  return most;
}

/**
 * Measures one operation of a parsed, validated document in one pass: each named fragment is
 * measured once and its measure reused at every spread, so the work is linear in the document's
 * size whatever the expansion would be. Every field counts, `__typename` included: 40,000 aliases
 * of `__typename` are as much abuse as of any other field (introspection's depth excepted).
 */
export function measureOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  source: string,
): OperationShape {
  const fragments = fragmentsOf(document);
  const operation = operationOf(document, operationName);
  const measured = new Map<string, SetMeasure>();

  const measureFragment = (name: string): SetMeasure => {
    const known = measured.get(name);
    if (known) {
      return known;
    }
    const fragment = fragments.get(name);
    // Validation refuses cycles before this runs; marking the fragment first keeps it finite anyway.
    measured.set(name, EMPTY);
    const measure = fragment ? measureSet(fragment.selectionSet) : EMPTY;
    measured.set(name, measure);
    return measure;
  };

  const measureSet = (set: SelectionSetNode): SetMeasure => {
    let depth = 0;
    let selections = 0;
    let aliases = 0;
    let fields = 0;
    for (const selection of set.selections) {
      let inner: SetMeasure;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? measureSet(selection.selectionSet) : EMPTY;
        inner = {
          depth: INTROSPECTION.has(selection.name.value) ? 1 : child.depth + 1,
          selections: add(child.selections, 1),
          aliases: add(child.aliases, selection.alias ? 1 : 0),
          fields: 1,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measureSet(selection.selectionSet);
      } else {
        inner = measureFragment(selection.name.value);
      }
      depth = Math.max(depth, inner.depth);
      selections = add(selections, inner.selections);
      aliases = add(aliases, inner.aliases);
      fields = add(fields, inner.fields);
    }
    return { depth, selections, aliases, fields };
  };

  const root = operation ? measureSet(operation.selectionSet) : EMPTY;
  return {
    depth: root.depth,
    aliases: root.aliases,
    rootFields: root.fields,
    selections: root.selections,
    tokens: countTokens(document, source),
    directivesPerLocation: mostDirectives(document),
    documentBytes: Buffer.byteLength(source, "utf8"),
  };
}
