/*
 * The gateway's calls to each register: `http.client.request.duration` with the subgraph's name
 * (as Apollo Router reports its subgraph requests), the failures by reason, and each subgraph's
 * circuit, as a gauge read when scraped (0 closed, 1 half open, 2 open, as Cosmo's
 * `router_circuit_breaker_state`) and a count of calls refused at once while it was open.
 */
import { boundedCounter, boundedGauge, boundedHistogram, DURATION_BUCKETS } from "@spx/runtime/metrics";
import type { Registry } from "prom-client";
import type { BreakerState } from "../edge/subgraph-breaker.js";

/** How a call ended: answered, a GraphQL error the register meant (relayed), or why no answer came. */
export const CALL_OUTCOMES = [
  "ok",
  "GRAPHQL_ERROR",
  "TIMEOUT",
  "UNREACHABLE",
  "BAD_RESPONSE",
  "CIRCUIT_OPEN",
  "DEADLINE",
  "CANCELLED",
] as const;

const CIRCUIT_VALUES: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

/** Told of every subgraph call as it ends. */
export type SubgraphCallObserver = (subgraph: string, startedMs: number, outcome: string) => void;

export function subgraphCallMetrics(
  registry: Registry,
  subgraphs: readonly string[],
  circuits: () => Iterable<{ name: string; circuit: BreakerState }>,
): SubgraphCallObserver {
  const duration = boundedHistogram(registry, {
    name: "http_client_request_duration_seconds",
    help: "Duration of the gateway's calls to each subgraph, by subgraph and outcome.",
    labels: { subgraph_name: subgraphs, outcome: CALL_OUTCOMES },
    buckets: DURATION_BUCKETS,
  });
  const errors = boundedCounter(registry, {
    name: "spx_subgraph_fetch_errors_total",
    help: "Subgraph calls that gave no usable answer, or a GraphQL error, by subgraph and error code.",
    labels: { subgraph_name: subgraphs, error_code: CALL_OUTCOMES.filter((outcome) => outcome !== "ok") },
  });
  const shortCircuits = boundedCounter(registry, {
    name: "spx_subgraph_circuit_short_circuits_total",
    help: "Subgraph calls refused at once because the subgraph's circuit was open.",
    labels: { subgraph_name: subgraphs },
  });
  boundedGauge(registry, {
    name: "spx_subgraph_circuit_state",
    help: "Each subgraph's circuit: 0 closed, 1 half open (one trial call let through), 2 open (calls refused at once).",
    labels: { subgraph_name: subgraphs },
    collect: (gauge) => {
      for (const { name, circuit } of circuits()) {
        gauge.set({ subgraph_name: name }, CIRCUIT_VALUES[circuit]);
      }
    },
  });
  for (const subgraph_name of subgraphs) {
    shortCircuits.zero({ subgraph_name });
  }
  return (subgraph, startedMs, outcome) => {
    duration.observe({ subgraph_name: subgraph, outcome }, (performance.now() - startedMs) / 1000);
    if (outcome !== "ok") {
      errors.inc({ subgraph_name: subgraph, error_code: outcome });
    }
    if (outcome === "CIRCUIT_OPEN") {
      shortCircuits.inc({ subgraph_name: subgraph });
    }
  };
}

/** Counts the query fetches answered by an identical fetch's call already in flight (edge/shared-fetches.ts). */
export function sharedFetchMetrics(registry: Registry, subgraphs: readonly string[]): (subgraph: string) => void {
  const shared = boundedCounter(registry, {
    name: "spx_subgraph_fetches_shared_total",
    help: "Subgraph query fetches that made no call of their own: an identical fetch of the same scope was in flight, and its answer was shared.",
    labels: { subgraph_name: subgraphs },
  });
  for (const subgraph_name of subgraphs) {
    shared.zero({ subgraph_name });
  }
  return (subgraph) => shared.inc({ subgraph_name: subgraph });
}
