/*
 * Everything the gateway serves at /metrics, in one registry of its own: process metrics, HTTP
 * and GraphQL durations (operation names only of registered documents), the edge's refusals,
 * subgraph calls and circuits, and the access log. gateway.ts only wires what this returns.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { agencyOf, metricsRoute, operationMetricsPlugin, serviceRegistry } from "@spx/runtime/metrics";
import type { ServedContext } from "../context.js";
import type { DocumentId } from "../edge/document-id.js";
import type { BreakerState } from "../edge/subgraph-breaker.js";
import type { TrustedDocuments } from "../edge/trusted-documents.js";
import { sequencerLagMetrics, timedAccessLog } from "./access-log-metrics.js";
import { RefusalMetrics } from "./refusal-metrics.js";
import { sharedFetchMetrics, subgraphCallMetrics } from "./subgraph-call-metrics.js";

export interface GatewayMetricsOptions {
  documents: TrustedDocuments;
  /** The subgraphs the gateway calls over HTTP. */
  subgraphs: readonly string[];
  /** Each subgraph's circuit, read when scraped. */
  circuits: () => Iterable<{ name: string; circuit: BreakerState }>;
  /** The access log's sequencer, whose lag is read when scraped. */
  sequencer?: Parameters<typeof sequencerLagMetrics>[0] | undefined;
}

export function gatewayMetrics(options: GatewayMetricsOptions) {
  const registry = serviceRegistry();
  const refusals = new RefusalMetrics(registry);
  const operations: ApolloServerPlugin<ServedContext> = operationMetricsPlugin<ServedContext>({
    registry,
    operationNames: options.documents.names,
    // Apollo hashes the document it ran: only a registered one lends its name to a label.
    operationName: (request) =>
      request.queryHash ? options.documents.get(request.queryHash as DocumentId)?.name : undefined,
    agency: (context) => agencyOf(context.caller),
  });
  if (options.sequencer) {
    sequencerLagMetrics(options.sequencer, registry);
  }
  return {
    registry,
    refusals,
    plugins: [operations, refusals.plugin<ServedContext>()],
    subgraphCalls: subgraphCallMetrics(registry, options.subgraphs, options.circuits),
    sharedFetches: sharedFetchMetrics(registry, options.subgraphs),
    timedAccessLog: <Store extends Parameters<typeof timedAccessLog>[0]>(store: Store) =>
      timedAccessLog(store, registry),
    route: metricsRoute(registry),
  };
}
