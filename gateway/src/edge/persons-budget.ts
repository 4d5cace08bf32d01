import type { Redis } from "ioredis";

/**
 * Persons are counted per subject over an hour that starts with the first person served to it
 * (like the request windows: no clock alignment, so replicas need not agree on the time).
 */
export const PERSONS_WINDOW_SECONDS = 3600;
const WINDOW_MS = PERSONS_WINDOW_SECONDS * 1000;

export interface PersonsUsed {
  /** Distinct persons served in the current window. */
  count: number;
  msBeforeReset: number;
}

/** Distinct persons served per subject, both given as keyed hashes. */
export interface PersonsBudget {
  used(subject: string): Promise<PersonsUsed>;
  /** `limit` lets a store stop remembering once the subject is over it: nothing more is needed. */
  add(subject: string, persons: readonly string[], limit: number): Promise<void>;
}

/**
 * Exact sets in this process. Memory is bounded by the limit of each subject active this hour,
 * since a set stops growing once it reaches its subject's limit.
 */
export class MemoryPersonsBudget implements PersonsBudget {
  private readonly windows = new Map<string, { endsAt: number; persons: Set<string> }>();
  private sinceSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async used(subject: string): Promise<PersonsUsed> {
    const window = this.current(subject);
    return window
      ? { count: window.persons.size, msBeforeReset: window.endsAt - this.now() }
      : { count: 0, msBeforeReset: WINDOW_MS };
  }

  async add(subject: string, persons: readonly string[], limit: number): Promise<void> {
    if (persons.length === 0) {
      return;
    }
    this.sweepNowAndThen();
    let window = this.current(subject);
    if (!window) {
      window = { endsAt: this.now() + WINDOW_MS, persons: new Set() };
      this.windows.set(subject, window);
    }
    for (const person of persons) {
      if (window.persons.size >= limit) {
        break;
      }
      window.persons.add(person);
    }
  }

  private current(subject: string) {
    const window = this.windows.get(subject);
    return window && window.endsAt > this.now() ? window : undefined;
  }

  // Ended windows are dropped in passing rather than by a timer per subject.
  private sweepNowAndThen(): void {
    if (++this.sinceSweep < 1000) {
      return;
    }
    this.sinceSweep = 0;
    const now = this.now();
    for (const [subject, window] of this.windows) {
      if (window.endsAt <= now) {
        this.windows.delete(subject);
      }
    }
  }
}

/**
 * One HyperLogLog per subject and window, shared by every replica. A set of hashes would count
 * exactly but grow with what a system reads (millions of members an hour for a batch); a
 * HyperLogLog stays under 12 KB whatever it counts, with a standard error of 0.81% (exact in
 * practice for the few hundred persons of a case worker), which is enough for a limit. Should Redis
 * fail or be unreachable, this process counts in memory (`fallback`) until it answers again.
 */
export class RedisPersonsBudget implements PersonsBudget {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly fallback: PersonsBudget,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  async used(subject: string): Promise<PersonsUsed> {
    if (this.redis.status !== "ready") {
      return this.fallback.used(subject);
    }
    try {
      const key = this.key(subject);
      const [count, ttl] = results(await this.redis.pipeline().pfcount(key).pttl(key).exec());
      return { count: Number(count), msBeforeReset: Number(ttl) > 0 ? Number(ttl) : WINDOW_MS };
    } catch (error) {
      this.onFailure(error);
      return this.fallback.used(subject);
    }
  }

  async add(subject: string, persons: readonly string[], limit: number): Promise<void> {
    if (persons.length === 0) {
      return;
    }
    if (this.redis.status !== "ready") {
      return this.fallback.add(subject, persons, limit);
    }
    try {
      const key = this.key(subject);
      // NX: the window keeps the end it got with its first person.
      results(
        await this.redis
          .pipeline()
          .pfadd(key, ...persons)
          .expire(key, PERSONS_WINDOW_SECONDS, "NX")
          .exec(),
      );
    } catch (error) {
      this.onFailure(error);
      await this.fallback.add(subject, persons, limit);
    }
  }

  private key(subject: string): string {
    return `${this.prefix}:persons:${subject}`;
  }
}

function results(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) {
    throw new Error("Redis pipeline was not executed");
  }
  return replies.map(([error, value]) => {
    if (error) {
      throw error;
    }
    return value;
  });
}
