import type { AggregateAnswer, AggregateStore } from "./shared-aggregates.js";

/**
 * Answers that sum up a whole register (statistics) and are the same for every caller allowed to
 * ask: at national scale each one scans millions of rows, so a dashboard refreshed by many analysts
 * at once must not run the same scan once per request, nor take every database connection while
 * case workers wait to write.
 *
 * Requests for the same key while it is being computed share that computation. A computed answer
 * is then served for `maxAgeSeconds` after it was computed (0: computed afresh once the previous
 * computation is over). A failed computation is never kept. With a `shared` store (Redis) the
 * replicas of the register share their answers, so that the register computes each at most once
 * per `maxAgeSeconds` whichever replica is asked; without one, each process computes its own.
 */
export class AggregateCache {
  private readonly entries = new Map<string, { answer: Promise<AggregateAnswer<unknown>>; settledAt?: number }>();
  private readonly maxEntries: number;
  private readonly shared: AggregateStore | undefined;

  constructor(
    readonly maxAgeSeconds: number,
    options: { maxEntries?: number; shared?: AggregateStore | undefined } = {},
  ) {
    this.maxEntries = options.maxEntries ?? 512;
    this.shared = options.shared;
  }

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    return this.answer(key, compute).then((answer) => answer.value);
  }

  /**
   * The cells of a statistic, each telling when the answer was computed (`computedAt`): an answer
   * may be up to `maxAgeSeconds` old, and the caller should know how old.
   */
  cells<C extends object>(key: string, compute: () => Promise<C[]>): Promise<(C & { computedAt: Date })[]> {
    return this.answer(key, compute).then(({ value, computedAt }) => {
      const at = new Date(computedAt);
      return value.map((cell) => ({ ...cell, computedAt: at }));
    });
  }

  /** The answer and when it was computed: by this process, or by another replica through the store. */
  answer<T>(key: string, compute: () => Promise<T>): Promise<AggregateAnswer<T>> {
    const maxAgeMs = this.maxAgeSeconds * 1000;
    const entry = this.entries.get(key);
    if (entry && (entry.settledAt === undefined || Date.now() - entry.settledAt < maxAgeMs)) {
      return entry.answer as Promise<AggregateAnswer<T>>;
    }
    if (!entry && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
      }
    }
    // With no maximum age there is nothing another replica could reuse.
    const answer =
      this.shared && maxAgeMs > 0
        ? this.shared.get(key, compute, maxAgeMs)
        : compute().then((value) => ({ value, computedAt: Date.now() }));
    const fresh: { answer: Promise<AggregateAnswer<unknown>>; settledAt?: number } = { answer };
    this.entries.set(key, fresh);
    answer.then(
      // Another replica's answer is as old as its computation, not as its arrival here.
      ({ computedAt }) => {
        fresh.settledAt = computedAt;
      },
      () => {
        if (this.entries.get(key) === fresh) {
          this.entries.delete(key);
        }
      },
    );
    return answer;
  }
}
