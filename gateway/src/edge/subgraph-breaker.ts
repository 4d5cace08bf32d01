import CircuitBreaker from "opossum";
import type { BreakerSettings } from "./resilience-settings.js";
import { SubgraphFailure } from "./subgraph-failure.js";

export type BreakerState = "closed" | "open" | "halfOpen";

/**
 * One circuit per subgraph around its calls. Only failures that speak against the subgraph count
 * (timeouts, refused connections, 5xx): a GraphQL error it meant, a 4xx, or a call the client
 * cancelled or ran out of time for leaves the circuit alone. While open, calls fail at once with
 * CIRCUIT_OPEN instead of each waiting out the timeout; after `resetTimeoutMs` one trial call is
 * let through, and its success closes the circuit.
 */
export function subgraphBreaker<Result>(
  settings: BreakerSettings,
  onStateChange: (state: BreakerState) => void,
): CircuitBreaker<[() => Promise<Result>], Result> {
  const breaker = new CircuitBreaker<[() => Promise<Result>], Result>((call) => call(), {
    // The call carries its own AbortSignal timeout, which also stops the fetch; opossum's would not.
    timeout: false,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    rollingCountTimeout: settings.windowMs,
    rollingCountBuckets: 10,
    resetTimeout: settings.resetTimeoutMs,
    errorFilter: (error: unknown) => !(error instanceof SubgraphFailure && error.counts),
  });
  breaker.on("open", () => onStateChange("open"));
  breaker.on("halfOpen", () => onStateChange("halfOpen"));
  breaker.on("close", () => onStateChange("closed"));
  return breaker;
}

/** opossum's rejection while the circuit is open. */
export function isOpenCircuit(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EOPENBREAKER";
}
