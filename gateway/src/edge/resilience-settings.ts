/**
 * How long the gateway waits, and when it stops asking a register that keeps failing. One shape
 * for the environment, the gateway and the tests, so that the ladder is written down once.
 */
export interface ResilienceSettings {
  /** The whole request, from the first byte read; pending subgraph calls are aborted after it. */
  requestTimeoutMs: number;
  /** One subgraph call, unless the subgraph has its own entry in `subgraphTimeoutsMs`. */
  subgraphTimeoutMs: number;
  /** Per-subgraph overrides, by subgraph name. */
  subgraphTimeoutsMs: Record<string, number>;
  breaker: BreakerSettings;
}

export interface BreakerSettings {
  /** Share of counted calls, in percent, that failed within the window before the circuit opens. */
  errorThresholdPercentage: number;
  /** Calls within the window before the share is judged at all: one slow call never opens it. */
  volumeThreshold: number;
  /** The rolling window the share is counted over. */
  windowMs: number;
  /** How long an open circuit refuses calls before one trial call is let through. */
  resetTimeoutMs: number;
}

/**
 * Outer to inner: the client's request (10 s) > one subgraph call (3 s) > inside a register, its
 * call to the graph and its wait for a database answer (2.5 s each) > its SQL statement (2 s) > a
 * lock wait (1 s). Each layer gives up before the one calling it, so the caller hears a typed
 * answer (REGISTER_BUSY, DEPENDENCY_UNAVAILABLE) instead of its own timeout.
 */
export const DEFAULT_RESILIENCE: ResilienceSettings = {
  requestTimeoutMs: 10_000,
  subgraphTimeoutMs: 3_000,
  subgraphTimeoutsMs: {},
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 5, windowMs: 10_000, resetTimeoutMs: 5_000 },
};

export function subgraphTimeoutOf(settings: ResilienceSettings, subgraph: string): number {
  return settings.subgraphTimeoutsMs[subgraph] ?? settings.subgraphTimeoutMs;
}
