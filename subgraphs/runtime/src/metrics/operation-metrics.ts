/*
 * `graphql.server.request.duration` (OpenTelemetry's GraphQL semantic conventions) for every
 * operation a service runs, by operation name, type, agency and outcome. The operation name is
 * opt-in in the conventions because clients choose it: here it is only ever a registered
 * document's name (the gateway looks the document up; a register strips the gateway's
 * `__<subgraph>__<n>` suffix) and the family's bounds turn anything else into `other`.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import type { Registry } from "prom-client";
import { boundedHistogram } from "./bounded-labels.js";
import { agencyLabels, DURATION_BUCKETS, OPERATION_TYPES, OUTCOMES, outcomeOf } from "./label-sets.js";

export interface OperationMetricsOptions<Context extends BaseContext> {
  registry: Registry;
  /** The names an operation may be labelled with (the trusted documents'). */
  operationNames: readonly string[];
  /** The operation's name, when it is one of `operationNames`; any other value is recorded as `other`. */
  operationName: (request: GraphQLRequestContextWillSendResponse<Context>) => string | undefined;
  /** The caller's agency label (`agencyOf`). */
  agency: (context: Context) => string;
}

/** The query planner names a subgraph's operation `<client's name>__<subgraph>__<fetch>`. */
const PLANNED_SUFFIX = /__[a-z0-9_-]+__\d+$/;

/** The client's operation name behind a name the gateway's planner gave a subgraph fetch. */
export function plannedOperationName(name: string | null | undefined): string | undefined {
  return name ? name.replace(PLANNED_SUFFIX, "") : undefined;
}

export function operationMetricsPlugin<Context extends BaseContext>(
  options: OperationMetricsOptions<Context>,
): ApolloServerPlugin<Context> {
  const duration = boundedHistogram(options.registry, {
    name: "graphql_server_request_duration_seconds",
    help: "Duration of GraphQL operations, by registered operation name, operation type, agency and outcome.",
    labels: {
      graphql_operation_name: options.operationNames,
      graphql_operation_type: OPERATION_TYPES,
      agency: agencyLabels(),
      outcome: OUTCOMES,
    },
    buckets: DURATION_BUCKETS,
  });
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(request) {
          // The errors as answered (masked, so an unexpected one carries INTERNAL_SERVER_ERROR).
          const { body } = request.response;
          const errors = (body.kind === "single" ? body.singleResult.errors : request.errors) ?? [];
          duration.observe(
            {
              graphql_operation_name: options.operationName(request) ?? "",
              graphql_operation_type: request.operation?.operation ?? "",
              agency: options.agency(request.contextValue),
              outcome: outcomeOf(errors.map((error) => error.extensions?.code)),
            },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
