import type { AccessEntry } from "./entry.js";
import type { AccessLogStore } from "./store.js";

/** Entries per transaction at most; under load, requests arriving during a write share the next. */
const MAX_BATCH = 1000;

interface Waiting {
  entry: AccessEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the access log: every request waits for its own entry to be committed before
 * its answer leaves, and requests that arrive while a batch is being written go together into the
 * next one, so that a busy gateway writes one transaction per batch, not per request, and an idle
 * one adds a single round trip. A failed batch is retried once; the store skips entries already
 * committed, so a retry never logs twice.
 */
export class AccessLogWriter {
  private queue: Waiting[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<AccessLogStore, "append">,
    private readonly onBatchFailed: (error: unknown, entries: number) => void = () => {},
  ) {}

  /** Resolves once the entry is durable; rejects if it could not be written. */
  record(entry: AccessEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.start();
    });
  }

  /** Waits until everything queued has been written or refused. */
  async drain(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  private start(): void {
    if (this.running) {
      return;
    }
    this.running = this.writeAll().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) {
        this.start();
      }
    });
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const entries = batch.map((waiting) => waiting.entry);
      try {
        await this.store.append(entries).catch(async (error: unknown) => {
          this.onBatchFailed(error, entries.length);
          await this.store.append(entries);
        });
        for (const waiting of batch) {
          waiting.resolve();
        }
      } catch (error) {
        for (const waiting of batch) {
          waiting.reject(error);
        }
      }
    }
  }
}
