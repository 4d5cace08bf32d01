import { type Access, DATA_KINDS, type Scope } from "@spx/runtime/access";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getNamedType,
  type InlineFragmentNode,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { PLACEHOLDER } from "../authorize-operation.js";
import { type Fragments, fragmentsOf, operationOf } from "../document-parts.js";
import type { FieldAccess } from "../field-access.js";

/** What one response actually carried: field coordinates with a value, refused ones, kinds of data. */
export interface ServedFields {
  served: string[];
  refused: string[];
  kinds: string[];
}

type Value = unknown;

/** A field selection once fragments are expanded, with the type it is selected on. */
interface Collected {
  parent: GraphQLCompositeType;
  node: FieldNode;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Fragments;
  served: Set<string>;
  /** The fields of each selection set on each type, expanded once and reused for every object. */
  collected: Map<SelectionSetNode, Map<string, Collected[]>>;
  /** (selection set, object) pairs already walked: one object is read once per selection set. */
  walked: WeakMap<object, Set<SelectionSetNode>>;
}

function fieldsOf(type: GraphQLCompositeType) {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
}

/** The type and selections a fragment (spread or inline) applies to an object of `type`. */
function fragmentOf(
  walk: Walk,
  selection: FragmentSpreadNode | InlineFragmentNode,
  type: GraphQLCompositeType,
): { type: GraphQLCompositeType; selectionSet: SelectionSetNode } | undefined {
  const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments.get(selection.name.value) : selection;
  if (!fragment) {
    return undefined;
  }
  const condition = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : type;
  return condition && isCompositeType(condition) ? { type: condition, selectionSet: fragment.selectionSet } : undefined;
}

/**
 * The field selections of a set on a type, fragments expanded, each field node once: a fragment
 * spread twice at each of many levels is still each of its fields once. Memoised per (set, type),
 * so every set is expanded once per type whatever the response holds.
 */
function collectFields(walk: Walk, type: GraphQLCompositeType, set: SelectionSetNode): Collected[] {
  let byType = walk.collected.get(set);
  const known = byType?.get(type.name);
  if (known) {
    return known;
  }
  if (!byType) {
    byType = new Map();
    walk.collected.set(set, byType);
  }
  // Validation refuses fragment cycles; the empty entry keeps this finite anyway.
  byType.set(type.name, []);
  const found: Collected[] = [];
  const seen = new Set<FieldNode>();
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!seen.has(selection)) {
        seen.add(selection);
        found.push({ parent: type, node: selection });
      }
      continue;
    }
    const fragment = fragmentOf(walk, selection, type);
    for (const inner of fragment ? collectFields(walk, fragment.type, fragment.selectionSet) : []) {
      if (!seen.has(inner.node)) {
        seen.add(inner.node);
        found.push(inner);
      }
    }
  }
  byType.set(type.name, found);
  return found;
}

/** Visits the selections that produced `value` (an object of `type`), following fragments. */
function walkSelections(walk: Walk, type: GraphQLCompositeType, selections: SelectionSetNode, value: Value): void {
  if (value === null || typeof value !== "object") {
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      walkSelections(walk, type, selections, item);
    }
    return;
  }
  let sets = walk.walked.get(value);
  if (sets?.has(selections)) {
    return;
  }
  if (!sets) {
    sets = new Set();
    walk.walked.set(value, sets);
  }
  sets.add(selections);
  const object = value as Record<string, Value>;
  for (const { parent, node } of collectFields(walk, type, selections)) {
    const name = node.name.value;
    if (name.startsWith("__") || name === PLACEHOLDER) {
      continue;
    }
    const child = object[node.alias?.value ?? name];
    const field = fieldsOf(parent)[name];
    if (child === null || child === undefined || !field) {
      continue;
    }
    walk.served.add(`${parent.name}.${name}`);
    const named = getNamedType(field.type);
    if (node.selectionSet && isCompositeType(named)) {
      walkSelections(walk, named, node.selectionSet, child);
    }
  }
}

/** The coordinate of the field at a response path, e.g. ["person", "household", "id"] → Household.id. */
function coordinateAt(
  walk: Walk,
  root: GraphQLCompositeType,
  selections: SelectionSetNode,
  path: readonly (string | number)[],
): string | undefined {
  let type: GraphQLCompositeType = root;
  let sets: SelectionSetNode[] = [selections];
  let coordinate: string | undefined;
  for (const segment of path) {
    if (typeof segment === "number") {
      continue;
    }
    // Each field node once, however many sets lead to it: the sets at each step stay as many as
    // the document has, never one per expansion.
    const matches = [
      ...new Set(sets.flatMap((set) => collectFields(walk, type, set).filter((c) => responseKey(c.node) === segment))),
    ];
    const first = matches[0];
    if (!first) {
      return coordinate;
    }
    coordinate = `${first.parent.name}.${first.node.name.value}`;
    const field = fieldsOf(first.parent)[first.node.name.value];
    const named = field ? getNamedType(field.type) : undefined;
    if (!named || !isCompositeType(named)) {
      return coordinate;
    }
    type = named;
    sets = [...new Set(matches.flatMap((match) => (match.node.selectionSet ? [match.node.selectionSet] : [])))];
  }
  return coordinate;
}

function responseKey(node: FieldNode): string {
  return node.alias?.value ?? node.name.value;
}

/**
 * Reads what a response served from the response itself and the operation that produced it: a
 * field counts as served when it came back with a value; a refusal is a FORBIDDEN error, whether
 * the gateway refused the field or a register refused the row. Kinds of data are named by the
 * scopes through which the caller read each served field.
 */
export function servedFields(options: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null | undefined;
  data: Value;
  errors: readonly (GraphQLError | GraphQLFormattedError)[] | undefined;
  fieldAccess: FieldAccess;
  access: Access;
}): ServedFields {
  const { schema, document } = options;
  const fragments = fragmentsOf(document);
  const operation = operationOf(document, options.operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  const walk: Walk = { schema, fragments, served: new Set(), collected: new Map(), walked: new WeakMap() };
  const refused = new Set<string>();
  if (operation && root) {
    walkSelections(walk, root, operation.selectionSet, options.data);
    for (const error of options.errors ?? []) {
      if (error.extensions?.code !== "FORBIDDEN") {
        continue;
      }
      const stated = error.extensions.coordinate;
      const coordinate =
        typeof stated === "string"
          ? stated
          : error.path
            ? coordinateAt(walk, root, operation.selectionSet, error.path)
            : undefined;
      if (coordinate) {
        refused.add(coordinate);
      }
    }
  }
  const kinds = new Set<string>();
  for (const coordinate of walk.served) {
    const [typeName = "", fieldName = ""] = coordinate.split(".");
    const alternatives = options.fieldAccess.fieldRule(typeName, fieldName)?.scopes ?? [];
    const used = alternatives.find((set) => set.every((scope) => options.access.scopes.has(scope as Scope)));
    for (const scope of used ?? []) {
      const kind = DATA_KINDS[scope as Scope];
      if (kind) {
        kinds.add(kind);
      }
    }
  }
  return { served: [...walk.served].sort(), refused: [...refused].sort(), kinds: [...kinds].sort() };
}
