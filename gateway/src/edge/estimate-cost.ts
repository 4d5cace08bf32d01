import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isListType,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";
import type { CostModel, ListSize } from "./cost-model.js";
import {
  argumentsWeight,
  conditionType,
  DEFAULT_LIST_SIZE,
  fieldOf,
  fieldWeight,
  intArgument,
  isIncluded,
  isList,
  listLength,
  MUTATION_BASE,
  type Variables,
} from "./weights.js";

/** A size a parent's `@listSize(sizedFields:)` hands to some of its children (a connection's edges). */
interface SizedChildren {
  fields: readonly string[];
  size: number;
}

/** Whether a field's argument is a list of IDs: a batch of keys, one element per key. */
function isKeyList(field: GraphQLField<unknown, unknown>, name: string): boolean {
  const type = field.args.find((a) => a.name === name)?.type;
  if (!type) {
    return false;
  }
  const nullable = getNullableType(type);
  return isListType(nullable) && getNamedType(nullable).name === "ID";
}

/**
 * How many elements a list field declares it returns for this selection: the largest slicing
 * argument given (a variable counts with its value, an absent argument with its default); for a
 * batch by keys (`people(idcs: [ID!]!)`: Federation allows only Int slicing arguments) the length
 * of the list of keys; else `assumedSize`.
 */
function declaredSize(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  listSize: ListSize | undefined,
  variables: Variables,
): number {
  const given = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
  const slices = (listSize?.slicingArguments ?? [])
    .map((name) => {
      const value = intArgument(given(name), variables);
      const fallback = field.args.find((a) => a.name === name)?.defaultValue;
      return value ?? (typeof fallback === "number" ? fallback : undefined);
    })
    .filter((n): n is number => n !== undefined);
  if (slices.length > 0) {
    return Math.max(0, ...slices);
  }
  if (!listSize || listSize.slicingArguments.length === 0) {
    const keys = field.args
      .filter((arg) => isKeyList(field, arg.name))
      .map((arg) => listLength(given(arg.name), variables))
      .filter((n): n is number => n !== undefined);
    if (keys.length > 0) {
      return Math.max(...keys);
    }
  }
  return listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
}

/**
 * Estimates an operation's cost from its document and variables, before anything is planned, with
 * Apollo's demand-control weights: each field costs its weight plus its selection's, times the
 * number of elements a list declares. Each named fragment is costed once per (type, size handed
 * down) and reused, so a document whose fragments spread each other twice per level is estimated
 * in time linear in its size, though its cost doubles at every level.
 */
export function estimateCost(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  operationName: string | null | undefined,
  givenVariables: Variables,
): number {
  const operation = getOperationAST(document, operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) {
    return 0;
  }
  const variables: Record<string, unknown> = { ...givenVariables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables[name] === undefined && definition.defaultValue) {
      variables[name] = valueFromASTUntyped(definition.defaultValue);
    }
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const memo = new Map<string, number>();

  const fieldCost = (parent: GraphQLCompositeType, node: FieldNode, sized: SizedChildren | undefined): number => {
    const field = fieldOf(parent, node.name.value);
    if (!field) {
      return 0;
    }
    const listSize = model.listSizes.get(`${parent.name}.${field.name}`);
    const named = getNamedType(field.type);
    let children = 0;
    if (node.selectionSet && isCompositeType(named)) {
      const handed =
        listSize && listSize.sizedFields.length > 0
          ? { fields: listSize.sizedFields, size: declaredSize(field, node, listSize, variables) }
          : undefined;
      children = selectionCost(named, node.selectionSet, handed);
    }
    let instances = 1;
    if (isList(field)) {
      instances =
        sized?.fields.includes(field.name) === true
          ? sized.size
          : listSize?.sizedFields.length
            ? (listSize.assumedSize ?? DEFAULT_LIST_SIZE)
            : declaredSize(field, node, listSize, variables);
    }
    return (
      instances * (fieldWeight(model, parent, field) + children) + argumentsWeight(model, parent, field, node.arguments)
    );
  };

  const selectionCost = (
    parent: GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    sized: SizedChildren | undefined,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection.directives, variables)) {
        continue;
      }
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(parent, selection, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += selectionCost(conditionType(schema, parent, selection.typeCondition), selection.selectionSet, sized);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) {
          continue;
        }
        const type = conditionType(schema, parent, fragment.typeCondition);
        const key = `${fragment.name.value}\u0000${type.name}\u0000${sized ? `${sized.fields.join(",")}:${sized.size}` : ""}`;
        let cost = memo.get(key);
        if (cost === undefined) {
          // Validation refuses fragment cycles; the placeholder keeps a stray one from recursing.
          memo.set(key, 0);
          cost = selectionCost(type, fragment.selectionSet, sized);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  return (
    (operation.operation === "mutation" ? MUTATION_BASE : 0) + selectionCost(root, operation.selectionSet, undefined)
  );
}
