import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { fragmentsOf } from "../document-parts.js";
import type { CostModel } from "./cost-model.js";
import { argumentsWeight, describeField, fieldOf, isIncluded, MUTATION_BASE, type Variables } from "./weights.js";

/** The selections answering one response key of an object, with their sub-selections merged. */
interface ResponseField {
  field: GraphQLField<unknown, unknown>;
  nodes: FieldNode[];
  childSets: SelectionSetNode[];
}

type Grouped = Map<string, ResponseField>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Measures what an answer actually cost, with the weights of the estimate: every object and list
 * element returned counts, a null or absent one does not. The answer is walked by response key
 * (as GraphQL merged it), so a field selected twice is counted once.
 */
export function actualCost(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  data: Readonly<Record<string, unknown>> | null | undefined,
): number {
  const operation = getOperationAST(document, operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) {
    return 0;
  }
  const fragments = fragmentsOf(document);

  const applies = (type: GraphQLCompositeType, condition: string | undefined): boolean => {
    if (!condition || condition === type.name || !isObjectType(type)) {
      return true;
    }
    const narrowed = schema.getType(condition);
    return narrowed !== undefined && isAbstractType(narrowed) && schema.isSubType(narrowed, type);
  };

  // Elements of one list share their selections: grouped once per (selections, type), not per element.
  const cache = new WeakMap<readonly SelectionSetNode[], Map<string, Grouped>>();
  const group = (type: GraphQLCompositeType, sets: readonly SelectionSetNode[]): Grouped => {
    let byType = cache.get(sets);
    const cached = byType?.get(type.name);
    if (cached) {
      return cached;
    }
    const grouped: Grouped = new Map();
    const seen = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (!isIncluded(selection.directives, variables)) {
          continue;
        }
        if (selection.kind === Kind.FIELD) {
          const field = fieldOf(type, selection.name.value);
          if (!field) {
            continue;
          }
          const key = selection.alias?.value ?? selection.name.value;
          const entry = grouped.get(key) ?? { field, nodes: [], childSets: [] };
          entry.nodes.push(selection);
          if (selection.selectionSet) {
            entry.childSets.push(selection.selectionSet);
          }
          grouped.set(key, entry);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (applies(type, selection.typeCondition?.name.value)) {
            collect(selection.selectionSet);
          }
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment && !seen.has(fragment.name.value) && applies(type, fragment.typeCondition.name.value)) {
            seen.add(fragment.name.value);
            collect(fragment.selectionSet);
          }
        }
      }
    };
    for (const set of sets) {
      collect(set);
    }
    byType = byType ?? new Map();
    byType.set(type.name, grouped);
    cache.set(sets, byType);
    return grouped;
  };

  const objectCost = (
    type: GraphQLCompositeType,
    sets: readonly SelectionSetNode[],
    value: Readonly<Record<string, unknown>>,
  ): number => {
    // An abstract field's element names its type when the document asked for `__typename`.
    const runtime =
      isAbstractType(type) && typeof value.__typename === "string" ? schema.getType(value.__typename) : type;
    const actual = runtime && isCompositeType(runtime) ? runtime : type;
    let total = 0;
    for (const [key, { field, nodes, childSets }] of group(actual, sets)) {
      const answer = value[key];
      if (answer === undefined) {
        continue;
      }
      const cost = describeField(model, actual, field);
      total += valueCost(cost.composite, childSets, cost.weight, answer) + argumentsWeight(cost, nodes[0]?.arguments);
    }
    return total;
  };

  const valueCost = (
    composite: GraphQLCompositeType | undefined,
    childSets: readonly SelectionSetNode[],
    weight: number,
    answer: unknown,
  ): number => {
    if (answer === null || answer === undefined) {
      return 0;
    }
    if (Array.isArray(answer)) {
      let total = 0;
      for (const item of answer) {
        total += valueCost(composite, childSets, weight, item);
      }
      return total;
    }
    if (composite && isRecord(answer)) {
      return weight + objectCost(composite, childSets, answer);
    }
    return weight;
  };

  const base = operation.operation === "mutation" ? MUTATION_BASE : 0;
  return base + (data ? objectCost(root, [operation.selectionSet], data) : 0);
}
