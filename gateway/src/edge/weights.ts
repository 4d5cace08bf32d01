import {
  type DirectiveNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type ValueNode,
} from "graphql";
import type { CostModel, ListSize } from "./cost-model.js";

/*
 * Apollo's demand-control weights, shared by the estimate and the measure so that the two differ
 * only by list sizes: an operation's base (mutation 10), each object, interface or union 1, each
 * scalar or enum 0, unless `@cost` says otherwise on the field or on its type.
 */

export const MUTATION_BASE = 10;

/** A list no `@listSize` describes (CI requires one on every list of objects: see access-report). */
export const DEFAULT_LIST_SIZE = 10;

export type Variables = Readonly<Record<string, unknown>>;

export function fieldWeight(model: CostModel, parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>) {
  const named = getNamedType(field.type);
  return (
    model.weights.get(`${parent.name}.${field.name}`) ??
    model.weights.get(named.name) ??
    (isCompositeType(named) ? 1 : 0)
  );
}

export function isList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type));
}

/** What demand control needs of one field definition, worked out once per model. */
export interface FieldCost {
  weight: number;
  listSize: ListSize | undefined;
  list: boolean;
  /** The named type, when it has fields to select. */
  composite: GraphQLCompositeType | undefined;
  /** Arguments that are lists of IDs: a batch by keys is sized by their length. */
  keyArguments: readonly string[];
  /** `@cost` of the field's arguments, by argument name. */
  argumentWeights: ReadonlyMap<string, number>;
}

const described = new WeakMap<CostModel, WeakMap<GraphQLField<unknown, unknown>, FieldCost>>();

export function describeField(
  model: CostModel,
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
): FieldCost {
  let byField = described.get(model);
  if (!byField) {
    byField = new WeakMap();
    described.set(model, byField);
  }
  let cost = byField.get(field);
  if (!cost) {
    const named = getNamedType(field.type);
    const argumentWeights = new Map<string, number>();
    for (const arg of field.args) {
      const weight = model.weights.get(`${parent.name}.${field.name}(${arg.name}:)`);
      if (weight !== undefined) {
        argumentWeights.set(arg.name, weight);
      }
    }
    cost = {
      weight: fieldWeight(model, parent, field),
      listSize: model.listSizes.get(`${parent.name}.${field.name}`),
      list: isList(field),
      composite: isCompositeType(named) ? named : undefined,
      keyArguments: field.args
        .filter((arg) => {
          const type = getNullableType(arg.type);
          return isListType(type) && getNamedType(type).name === "ID";
        })
        .map((arg) => arg.name),
      argumentWeights,
    };
    byField.set(field, cost);
  }
  return cost;
}

/** The weights of the arguments a selection gives, counted once per field. */
export function argumentsWeight(cost: FieldCost, given: readonly { name: { value: string } }[] | undefined): number {
  if (cost.argumentWeights.size === 0) {
    return 0;
  }
  let total = 0;
  for (const arg of given ?? []) {
    total += cost.argumentWeights.get(arg.name.value) ?? 0;
  }
  return total;
}

/** The field definition a selection names; `__typename` and introspection cost nothing here. */
export function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name.startsWith("__") || !("getFields" in parent)) {
    return undefined;
  }
  return parent.getFields()[name];
}

/** Whether `@skip`/`@include` keep a selection; an unknown condition keeps it (the larger cost). */
export function isIncluded(directives: readonly DirectiveNode[] | undefined, variables: Variables): boolean {
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") {
      continue;
    }
    const condition = directive.arguments?.find((a) => a.name.value === "if")?.value;
    const value =
      condition?.kind === Kind.BOOLEAN
        ? condition.value
        : condition?.kind === Kind.VARIABLE
          ? variables[condition.name.value]
          : undefined;
    if (typeof value === "boolean" && value === (name === "skip")) {
      return false;
    }
  }
  return true;
}

/** The subtype a fragment's type condition narrows to, or the parent without one. */
export function conditionType(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  condition: { name: { value: string } } | undefined,
): GraphQLCompositeType {
  const type = condition ? schema.getType(condition.name.value) : undefined;
  return type && isCompositeType(type) ? type : parent;
}

export function intArgument(value: ValueNode | undefined, variables: Variables): number | undefined {
  if (value?.kind === Kind.INT) {
    return Number.parseInt(value.value, 10);
  }
  if (value?.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === "number" && Number.isFinite(given) ? given : undefined;
  }
  return undefined;
}

/** The length of a list argument; a single value stands for a list of one (input coercion). */
export function listLength(value: ValueNode | undefined, variables: Variables): number | undefined {
  if (value === undefined || value.kind === Kind.NULL) {
    return undefined;
  }
  if (value.kind === Kind.LIST) {
    return value.values.length;
  }
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return Array.isArray(given) ? given.length : given === undefined || given === null ? undefined : 1;
  }
  return 1;
}
