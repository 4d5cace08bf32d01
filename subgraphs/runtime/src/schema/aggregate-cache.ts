/**
 * Answers that sum up a whole register (statistics) and are the same for every caller allowed to
 * ask: at national scale each one scans millions of rows, so a dashboard refreshed by many analysts
 * at once must not run the same scan once per request, nor take every database connection while
 * case workers wait to write.
 *
 * Requests for the same key while it is being computed share that computation. A computed answer
 * is then served for `maxAgeSeconds` (0: computed afresh once the previous computation is over).
 * A failed computation is never kept. Kept per process: each replica computes its own, at most
 * once per key per `maxAgeSeconds`.
 */
export class AggregateCache {
  private readonly entries = new Map<string, { value: Promise<unknown>; settledAt?: number }>();

  constructor(
    readonly maxAgeSeconds: number,
    private readonly maxEntries = 512,
  ) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && (entry.settledAt === undefined || Date.now() - entry.settledAt < this.maxAgeSeconds * 1000)) {
      return entry.value as Promise<T>;
    }
    if (!entry && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
      }
    }
    const value = compute();
    const fresh: { value: Promise<unknown>; settledAt?: number } = { value };
    this.entries.set(key, fresh);
    value.then(
      () => {
        fresh.settledAt = Date.now();
      },
      () => {
        if (this.entries.get(key) === fresh) {
          this.entries.delete(key);
        }
      },
    );
    return value;
  }
}
