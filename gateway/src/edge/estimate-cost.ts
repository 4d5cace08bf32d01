import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";
import { fragmentsOf } from "../document-parts.js";
import type { CostModel } from "./cost-model.js";
import {
  argumentsWeight,
  conditionType,
  DEFAULT_LIST_SIZE,
  describeField,
  type FieldCost,
  fieldOf,
  intArgument,
  isIncluded,
  listLength,
  MUTATION_BASE,
  type Variables,
} from "./weights.js";

/** A size a parent's `@listSize(sizedFields:)` hands to some of its children (a connection's edges). */
interface SizedChildren {
  fields: readonly string[];
  size: number;
}

/**
 * How many elements a list field declares it returns for this selection: the largest slicing
 * argument given (a variable counts with its value, an absent argument with its default); for a
 * batch by keys (`people(idcs: [ID!]!)`: Federation allows only Int slicing arguments) the length
 * of the list of keys; else `assumedSize`.
 */
function declaredSize(
  field: GraphQLField<unknown, unknown>,
  cost: FieldCost,
  node: FieldNode,
  variables: Variables,
): number {
  const given = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
  const { listSize } = cost;
  let largest: number | undefined;
  for (const name of listSize?.slicingArguments ?? []) {
    const fallback = field.args.find((a) => a.name === name)?.defaultValue;
    const value = intArgument(given(name), variables) ?? (typeof fallback === "number" ? fallback : undefined);
    if (value !== undefined) {
      largest = Math.max(largest ?? 0, value);
    }
  }
  if (largest !== undefined) {
    return Math.max(0, largest);
  }
  if (!listSize || listSize.slicingArguments.length === 0) {
    for (const name of cost.keyArguments) {
      const length = listLength(given(name), variables);
      if (length !== undefined) {
        largest = Math.max(largest ?? 0, length);
      }
    }
    if (largest !== undefined) {
      return largest;
    }
  }
  return listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
}

/** The variables as the operation sees them: its defaults where none is given. */
export function withDefaults(operation: OperationDefinitionNode, given: Variables): Variables {
  let variables: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (definition.defaultValue && given[name] === undefined) {
      variables ??= { ...given };
      variables[name] = valueFromASTUntyped(definition.defaultValue);
    }
  }
  return variables ?? given;
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
  const variables = withDefaults(operation, givenVariables);
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();

  const fieldCost = (parent: GraphQLCompositeType, node: FieldNode, sized: SizedChildren | undefined): number => {
    const field = fieldOf(parent, node.name.value);
    if (!field) {
      return 0;
    }
    const cost = describeField(model, parent, field);
    const { listSize } = cost;
    let children = 0;
    if (node.selectionSet && cost.composite) {
      const handed =
        listSize && listSize.sizedFields.length > 0
          ? { fields: listSize.sizedFields, size: declaredSize(field, cost, node, variables) }
          : undefined;
      children = selectionCost(cost.composite, node.selectionSet, handed);
    }
    let instances = 1;
    if (cost.list) {
      instances =
        sized?.fields.includes(field.name) === true
          ? sized.size
          : listSize?.sizedFields.length
            ? (listSize.assumedSize ?? DEFAULT_LIST_SIZE)
            : declaredSize(field, cost, node, variables);
    }
    return instances * (cost.weight + children) + argumentsWeight(cost, node.arguments);
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
