import { type ArgumentNode, type ConstDirectiveNode, Kind, parse, type ValueNode } from "graphql";

/** What Federation's `@listSize` says of one field. */
export interface ListSize {
  assumedSize: number | undefined;
  slicingArguments: readonly string[];
  sizedFields: readonly string[];
  requireOneSlicingArgument: boolean;
}

/**
 * The demand-control declarations of the supergraph (`https://specs.apollo.dev/cost/v0.1`), by
 * schema coordinate: `Type` and `Type.field` for `@cost`, `Type.field(arg:)` for an argument's.
 */
export interface CostModel {
  weights: ReadonlyMap<string, number>;
  listSizes: ReadonlyMap<string, ListSize>;
}

const COST_SPEC = "https://specs.apollo.dev/cost/";

function argument(args: readonly ArgumentNode[] | undefined, name: string): ValueNode | undefined {
  return args?.find((arg) => arg.name.value === name)?.value;
}

function stringOf(value: ValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function strings(value: ValueNode | undefined): string[] {
  return value?.kind === Kind.LIST ? value.values.map(stringOf).filter((s): s is string => s !== undefined) : [];
}

function intOf(value: ValueNode | undefined): number | undefined {
  return value?.kind === Kind.INT ? Number.parseInt(value.value, 10) : undefined;
}

/**
 * The names the supergraph gives `@cost` and `@listSize`: the spec's own, unless its `@link`
 * renames the feature (`as:`) or imports a directive under another name.
 */
function directiveNames(definitions: ReturnType<typeof parse>["definitions"]): { cost: string; listSize: string } {
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) {
      continue;
    }
    for (const link of definition.directives ?? []) {
      if (link.name.value !== "link" || !stringOf(argument(link.arguments, "url"))?.startsWith(COST_SPEC)) {
        continue;
      }
      const feature = stringOf(argument(link.arguments, "as")) ?? "cost";
      const names = { cost: feature, listSize: `${feature}__listSize` };
      const imports = argument(link.arguments, "import");
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        const name =
          item.kind === Kind.OBJECT
            ? stringOf(item.fields.find((f) => f.name.value === "name")?.value)
            : stringOf(item);
        const as =
          item.kind === Kind.OBJECT ? stringOf(item.fields.find((f) => f.name.value === "as")?.value) : undefined;
        if (name === "@cost") {
          names.cost = (as ?? name).slice(1);
        } else if (name === "@listSize") {
          names.listSize = (as ?? name).slice(1);
        }
      }
      return names;
    }
  }
  // Not linked: nothing in the supergraph is costed, and every element weighs its default.
  return { cost: "\u0000cost", listSize: "\u0000listSize" };
}

/** Reads every `@cost` and `@listSize` the registers declared, as composed into the supergraph. */
export function readCostModel(supergraphSdl: string): CostModel {
  const { definitions } = parse(supergraphSdl);
  const names = directiveNames(definitions);
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const record = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    for (const directive of directives ?? []) {
      if (directive.name.value === names.cost) {
        const weight = intOf(argument(directive.arguments, "weight"));
        if (weight !== undefined) {
          weights.set(coordinate, weight);
        }
      } else if (directive.name.value === names.listSize) {
        const require = argument(directive.arguments, "requireOneSlicingArgument");
        listSizes.set(coordinate, {
          assumedSize: intOf(argument(directive.arguments, "assumedSize")),
          slicingArguments: strings(argument(directive.arguments, "slicingArguments")),
          sizedFields: strings(argument(directive.arguments, "sizedFields")),
          requireOneSlicingArgument: require?.kind === Kind.BOOLEAN ? require.value : true,
        });
      }
    }
  };
  for (const definition of definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        record(definition.name.value, definition.directives);
        for (const field of definition.fields ?? []) {
          const coordinate = `${definition.name.value}.${field.name.value}`;
          record(coordinate, field.directives);
          for (const arg of field.arguments ?? []) {
            record(`${coordinate}(${arg.name.value}:)`, arg.directives);
          }
        }
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
        record(definition.name.value, definition.directives);
        break;
      default:
        break;
    }
  }
  return { weights, listSizes };
}
