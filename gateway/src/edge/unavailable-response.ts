import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { type DocumentNode, type GraphQLFormattedError, Kind, parse, type SelectionSetNode } from "graphql";
import { type Fragments, fragmentsOf } from "../document-parts.js";

/** The response keys a selection set asks for on an object of `typename` (all, when unknown). */
function responseKeys(set: SelectionSetNode, fragments: Fragments, typename: string | undefined): string[] {
  const keys: string[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") {
        keys.push(selection.alias?.value ?? selection.name.value);
      }
      continue;
    }
    const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
    const condition = fragment?.typeCondition?.name.value;
    if (fragment && (!condition || !typename || condition === typename)) {
      keys.push(...responseKeys(fragment.selectionSet, fragments, typename));
    }
  }
  return [...new Set(keys)];
}

function typenameOf(representation: unknown): string | undefined {
  const typename = (representation as { __typename?: unknown } | null)?.__typename;
  return typeof typename === "string" ? typename : undefined;
}

/**
 * The answer a subgraph would have given had it failed field by field: every field asked of it
 * null, each with one error at its path. @apollo/gateway then maps those paths to the client's
 * response (an `_entities` index to that entity's place, a root key under the fetch's path) and
 * adds `serviceName`, so the client learns exactly which fields are missing and why, and every
 * other subgraph's fields are served as usual.
 *
 * A mutation that was sent may have been carried out even though no answer came: when `sent`,
 * its errors say `outcome: "UNKNOWN"`, so that nobody reads "unavailable" as "not done".
 */
export function unavailableResponse(
  request: { query?: string | undefined; variables?: Record<string, unknown> | undefined },
  document: DocumentNode | undefined,
  unavailable: Omit<GraphQLFormattedError, "path" | "locations">,
  sent: boolean,
): GatewayGraphQLResponse {
  const parsed = document ?? (request.query ? parse(request.query) : undefined);
  const operation = parsed?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const unknown = sent && (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation === "mutation");
  const error = unknown
    ? {
        message: `${unavailable.message}; the change may or may not have been made`,
        extensions: { ...unavailable.extensions, outcome: "UNKNOWN" },
      }
    : unavailable;
  if (!parsed || !operation || operation.kind !== Kind.OPERATION_DEFINITION) {
    return { errors: [error] };
  }
  const fragments = fragmentsOf(parsed);
  const entities = operation.selectionSet.selections.find(
    (s) => s.kind === Kind.FIELD && s.name.value === "_entities" && s.selectionSet,
  );
  const representations = request.variables?.representations;
  if (entities?.kind === Kind.FIELD && entities.selectionSet && Array.isArray(representations)) {
    const key = entities.alias?.value ?? "_entities";
    const set = entities.selectionSet;
    const errors = representations.flatMap((representation, index) =>
      responseKeys(set, fragments, typenameOf(representation)).map((field) => ({
        ...error,
        path: [key, index, field],
      })),
    );
    return {
      data: { [key]: representations.map(() => null) },
      errors: errors.length > 0 ? errors : [error],
    };
  }
  const keys = responseKeys(operation.selectionSet, fragments, undefined);
  if (keys.length === 0) {
    return { errors: [error] };
  }
  return {
    data: Object.fromEntries(keys.map((key) => [key, null])),
    errors: keys.map((key) => ({ ...error, path: [key] })),
  };
}
