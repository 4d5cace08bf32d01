/*
 * The access log is on every answer's path (nothing leaves before its entry is committed), so how
 * long its appends take, how large its group-commit batches are and how often they fail is what
 * an operator watches first when the gateway slows down or refuses with ACCESS_LOG_UNAVAILABLE.
 * Measured around the store, so that the writer's batching is seen as it is.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Sequencer, SequencerLag } from "../access-log/sequencer.js";
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

/**
 * How far the sequencer is behind: entries written but not yet in the tree, and seconds since the
 * last checkpoint. Read from the database at each scrape (whichever replica sequences), no labels.
 */
export function sequencerLagMetrics(sequencer: Pick<Sequencer, "lag">, registry: Registry): void {
  let last: Promise<SequencerLag | undefined> | undefined;
  // Both gauges read one answer per scrape.
  const read = () => {
    last ??= sequencer
      .lag()
      .catch(() => undefined)
      .finally(() => {
        setTimeout(() => {
          last = undefined;
        }, 100).unref?.();
      });
    return last;
  };
  new Gauge({
    name: "spx_access_log_pending_entries",
    help: "Access-log entries written but not yet sequenced into the tree (all replicas).",
    registers: [registry],
    async collect() {
      const lag = await read();
      this.set(lag ? lag.pending : Number.NaN);
    },
  });
  new Gauge({
    name: "spx_access_log_seconds_since_checkpoint",
    help: "Seconds since the access log last signed a checkpoint (NaN before the first).",
    registers: [registry],
    async collect() {
      const lag = await read();
      this.set(lag?.secondsSinceCheckpoint ?? Number.NaN);
    },
  });
  new Gauge({
    name: "spx_access_log_unsigned_entries",
    help: "Entries in the tree that no checkpoint covers yet.",
    registers: [registry],
    async collect() {
      const lag = await read();
      this.set(lag ? lag.treeSize - lag.checkpointSize : Number.NaN);
    },
  });
}
