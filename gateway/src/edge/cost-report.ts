import { type Catalogue, edgePolicyOf, grantKey } from "@spx/runtime/access";
import {
  type GraphQLField,
  type GraphQLObjectType,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
} from "graphql";
import type { CostModel, ListSize } from "./cost-model.js";
import { DEFAULT_LIST_SIZE, fieldWeight, isList, MUTATION_BASE } from "./weights.js";

/** Whether the field's list arguments are IDs: then the estimator sizes it by their length. */
function keyArguments(field: GraphQLField<unknown, unknown>): string[] {
  return field.args
    .filter((arg) => {
      const type = getNullableType(arg.type);
      return isListType(type) && getNamedType(type).name === "ID";
    })
    .map((arg) => `\`${arg.name}\``);
}

function describeSize(field: GraphQLField<unknown, unknown>, listSize: ListSize | undefined, sizedBy?: string): string {
  if (sizedBy) {
    return `sized by \`${sizedBy}\``;
  }
  const keys = keyArguments(field);
  const parts: string[] = [];
  if (listSize?.slicingArguments.length) {
    const slicing = listSize.slicingArguments.map((name) => {
      const fallback = field.args.find((a) => a.name === name)?.defaultValue;
      return typeof fallback === "number" ? `\`${name}\` (default ${fallback})` : `\`${name}\``;
    });
    parts.push(slicing.join(" or "));
  } else if (keys.length > 0) {
    parts.push(`length of ${keys.join(" or ")}`);
  }
  const assumed = listSize?.assumedSize;
  if (parts.length > 0) {
    return assumed !== undefined ? `${parts.join("")}, else ${assumed}` : parts.join("");
  }
  return String(assumed ?? DEFAULT_LIST_SIZE);
}

/** The fields a parent's `@listSize(sizedFields:)` sizes (a connection's `edges`), by coordinate. */
function sizedFieldsOf(types: readonly GraphQLObjectType[], model: CostModel): Map<string, string> {
  const sized = new Map<string, string>();
  for (const type of types) {
    for (const field of Object.values(type.getFields())) {
      const listSize = model.listSizes.get(`${type.name}.${field.name}`);
      for (const child of listSize?.sizedFields ?? []) {
        sized.set(`${getNamedType(field.type).name}.${child}`, `${type.name}.${field.name}`);
      }
    }
  }
  return sized;
}

/** Lists of objects that declare no size: CI refuses them, so that no list is costed by a guess. */
export function costProblems(types: readonly GraphQLObjectType[], model: CostModel): string[] {
  const sized = sizedFieldsOf(types, model);
  const problems: string[] = [];
  for (const type of types) {
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      const coordinate = `${type.name}.${field.name}`;
      if (isList(field) && isCompositeType(getNamedType(field.type)) && !model.listSizes.has(coordinate)) {
        if (!sized.has(coordinate)) {
          problems.push(`${coordinate} is a list of objects without @listSize: declare its size where it is defined`);
        }
      }
    }
  }
  return problems;
}

/** The demand-control section of `schema/access-policy.md`: the weights, each grant's budget, each list. */
export function costMarkdown(types: readonly GraphQLObjectType[], model: CostModel, catalogue: Catalogue): string[] {
  const lines = [
    "## Demand control",
    "",
    "The gateway estimates every operation before planning it, with Apollo's demand-control weights: each",
    `object 1, each scalar or enum 0, a mutation ${MUTATION_BASE} more, unless \`@cost\` says otherwise; a list multiplies`,
    "its elements' cost by its size: the largest slicing argument given (a variable counts with its",
    "value, an absent argument with its default), for a batch by keys the length of its list of IDs,",
    "else its assumed size. Above the grant's budget the operation is refused with `COST_LIMIT_EXCEEDED`",
    "(HTTP 400, with `extensions.estimated` and `extensions.budget`) and no register is asked.",
    "",
    "| Agency / role | Cost budget |",
    "| --- | --: |",
  ];
  for (const grant of catalogue.grants) {
    const budget = edgePolicyOf(catalogue, grant).costBudget;
    const overridden = grant.edge?.costBudget !== undefined;
    lines.push(`| ${grantKey(grant.agency, grant.role)} | ${budget}${overridden ? " (override)" : ""} |`);
  }
  lines.push(
    "",
    `Any other agency and role: ${catalogue.edge.costBudget}.`,
    "",
    "Fields that weigh other than the default, and every list of objects with the size it is counted at:",
    "",
    "| Field | Weight | List size |",
    "| --- | --: | --- |",
  );
  const sized = sizedFieldsOf(types, model);
  for (const type of types.filter(isObjectType)) {
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      const coordinate = `${type.name}.${field.name}`;
      const listSize = model.listSizes.get(coordinate);
      const objectList = isList(field) && isCompositeType(getNamedType(field.type));
      const weighted = model.weights.has(coordinate);
      if (!objectList && !weighted && !listSize) {
        continue;
      }
      const size = objectList
        ? describeSize(field, listSize, sized.get(coordinate))
        : listSize
          ? describeSize(field, listSize)
          : "";
      const sizes = listSize?.sizedFields.length
        ? `${size} (sizes ${listSize.sizedFields.map((f) => `\`${f}\``).join(", ")})`
        : size;
      lines.push(`| ${coordinate} | ${fieldWeight(model, type, field)} | ${sizes} |`);
    }
  }
  return lines;
}
