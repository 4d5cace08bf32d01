/*
 * The access log is on every answer's path (nothing leaves before its entry is committed), so how
 * long its appends take, how large its group-commit batches are and how often they fail is what
 * an operator watches first when the gateway slows down or refuses with ACCESS_LOG_UNAVAILABLE.
 * Measured around the store, so that the writer's batching is seen as it is.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { AccessLogStore } from "../access-log/store.js";

type Appending = Pick<AccessLogStore, "append">;

export function timedAccessLog(store: Appending, registry: Registry): Appending {
  const duration = new Histogram({
    name: "spx_access_log_append_duration_seconds",
    help: "Duration of one access-log append (one transaction holding a batch of entries).",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const entries = new Histogram({
    name: "spx_access_log_batch_entries",
    help: "Entries per access-log append: requests that arrived while the previous batch was written go together.",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const failures = new Counter({
    name: "spx_access_log_append_failures_total",
    help: "Access-log appends that failed (each failed batch is retried once; a failed retry refuses its requests).",
    registers: [registry],
  });
  failures.inc(0);
  return {
    async append(batch) {
      const started = performance.now();
      entries.observe(batch.length);
      try {
        return await store.append(batch);
      } catch (error) {
        failures.inc();
        throw error;
      } finally {
        duration.observe((performance.now() - started) / 1000);
      }
    },
  };
}
