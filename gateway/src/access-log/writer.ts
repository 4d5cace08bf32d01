import { randomBytes } from "node:crypto";
import { ROOT_CONTEXT, type SpanContext, trace } from "@opentelemetry/api";
import { inSpan } from "@spx/runtime/telemetry";
import type { AccessEntry } from "./entry.js";
import type { AccessLogStore, SaltedEntry } from "./store.js";

/** Entries per transaction at most; under load, requests arriving during a write share the next. */
const MAX_BATCH = 1000;
/** The other requests of a batch, linked from its span (the first request's trace holds it). */
const MAX_LINKS = 32;
/** Each entry's secret salt (its persons' commitments and its details' commitment derive from it). */
const SALT_BYTES = 32;

interface Waiting {
  entry: SaltedEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** The recorded span of the request waiting, if any. */
  span: SpanContext | undefined;
}

/**
 * Group commit for the access log: every request waits for its own entry to be committed before
 * its answer leaves, and requests that arrive while a batch is being written go together into the
 * next one, so that a busy gateway writes one transaction per batch, not per request, and an idle
 * one adds a single round trip. A batch is one INSERT of pending entries, taking no lock shared
 * with other replicas (the sequencer orders them later); each entry gets its own secret salt here,
 * so that a retry writes the same entry. A failed batch is retried once; the store skips entries
 * already committed, so a retry never logs twice.
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
      const active = trace.getActiveSpan();
      const span = active?.isRecording() ? active.spanContext() : undefined;
      this.queue.push({ entry: { ...entry, salt: randomBytes(SALT_BYTES) }, resolve, reject, span });
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
      const traced = batch.flatMap((waiting) => (waiting.span ? [waiting.span] : []));
      const [first, ...others] = traced;
      try {
        await inSpan(
          "spx.access_log.append",
          {
            attributes: { "spx.access_log.entries": entries.length },
            links: others.slice(0, MAX_LINKS).map((context) => ({ context })),
            parent: first ? trace.setSpanContext(ROOT_CONTEXT, first) : ROOT_CONTEXT,
          },
          () =>
            this.store.append(entries).catch(async (error: unknown) => {
              this.onBatchFailed(error, entries.length);
              await this.store.append(entries);
            }),
        );
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
