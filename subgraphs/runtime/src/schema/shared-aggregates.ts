/**
 * Statistics answers shared by the replicas of one register through Redis (REDIS_URL), so that a
 * dashboard served by several replicas costs the register one scan per maximum age, not one per
 * replica; and so that replicas asked the same question at the same moment do not all run it.
 *
 * An answer is one Redis string, `{"at": <computed at, epoch ms>, "v": <the answer>}`, kept for the
 * maximum age (PX). A replica that finds none takes a short lock (`SET … NX PX`) and computes; the
 * others poll for its answer, for no longer than the lock lives, and compute themselves if it does
 * not come (the lock's holder failed, or died). The holder releases the lock only if it still holds
 * it (compare and delete), so that a slow computation never frees another replica's lock.
 *
 * Redis is a convenience here, never a dependency: any Redis failure makes the replica compute the
 * answer itself, and the request is served as without Redis. Only answers that survive a JSON round
 * trip unchanged are shared (numbers, strings, booleans, null, arrays, plain objects): a Date, a
 * BigInt or an undefined property would come back different, so such an answer is served by the
 * replica that computed it alone.
 *
 * Hand-written on ioredis (already the runtime's Redis client) rather than a cache library: cache
 * libraries (cache-manager with Keyv, for instance) keep a value with a TTL but do not keep two
 * replicas from computing it at once, and a lock library (Redlock) is made for many Redis masters;
 * what is needed is three commands and a fallback.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { closeRedis, connectRedis } from "../database/redis-connection.js";
import type { Logger } from "../logging/logger.js";

/** An answer and when it was computed (epoch ms), by this replica or another. */
export interface AggregateAnswer<T> {
  value: T;
  computedAt: number;
}

/** Where the replicas of a register find each other's statistics answers. */
export interface AggregateStore {
  /** The answer to `key` computed by any replica within `maxAgeMs`, or computed here now. */
  get<T>(key: string, compute: () => Promise<T>, maxAgeMs: number): Promise<AggregateAnswer<T>>;
  close(): Promise<void>;
}

/**
 * The longest a replica waits for another's answer (and holds its own lock): a statistic is one
 * statement, which the register's database timeouts end within 2.5 s by default (plus up to 2 s
 * for a connection), and the gateway gives up on a subgraph after 3 s anyway.
 */
export const DEFAULT_LOCK_MS = 5_000;
const POLL_MS = 50;
const LOG_INTERVAL_MS = 60_000;

/** Deletes the lock only if it still holds this replica's token. */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

/** Whether `value` comes back from JSON.stringify and JSON.parse exactly as it is. */
export function survivesJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return true;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) && !Object.is(value, -0);
  }
  if (Array.isArray(value)) {
    return value.every(survivesJson);
  }
  if (typeof value === "object") {
    // A plain object's prototype is Object.prototype, of whichever realm made it (Jest's vm, say).
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
      return false;
    }
    return Object.values(value).every(survivesJson);
  }
  return false;
}

type Read<T> = AggregateAnswer<T> | "missing" | "unavailable";

export class RedisAggregateStore implements AggregateStore {
  private readonly prefix: string;
  private readonly lockMs: number;
  private lastWarned = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: {
      redis: Redis;
      /** The register's name: registers sharing a Redis never see each other's answers. */
      subgraph: string;
      /** Keeps deployments (or tests) sharing a Redis apart (default `spx:stats:`). */
      prefix?: string;
      lockMs?: number;
      logger?: Logger;
    },
  ) {
    this.prefix = `${options.prefix ?? "spx:stats:"}${options.subgraph}:`;
    this.lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  }

  async get<T>(key: string, compute: () => Promise<T>, maxAgeMs: number): Promise<AggregateAnswer<T>> {
    // Hashed: a key is as long as the question, and Redis keys are listed by operators.
    const answerKey = `${this.prefix}${createHash("sha256").update(key).digest("base64url")}`;
    const lockKey = `${answerKey}:lock`;
    const deadline = Date.now() + this.lockMs;
    for (;;) {
      const found = await this.read<T>(answerKey);
      if (found === "unavailable") {
        return computed(compute);
      }
      if (found !== "missing") {
        return found;
      }
      const token = randomUUID();
      const locked = await this.command(() => this.options.redis.set(lockKey, token, "PX", this.lockMs, "NX"));
      if (locked === "unavailable") {
        return computed(compute);
      }
      if (locked === "OK") {
        try {
          const answer = await computed(compute);
          await this.write(answerKey, answer, maxAgeMs);
          return answer;
        } finally {
          await this.command(() => this.options.redis.eval(RELEASE, 1, lockKey, token));
        }
      }
      if (Date.now() >= deadline) {
        this.warn("another replica's statistics answer did not come in time: computed here too");
        return computed(compute);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async read<T>(answerKey: string): Promise<Read<T>> {
    const text = await this.command(() => this.options.redis.get(answerKey));
    if (text === "unavailable") {
      return "unavailable";
    }
    if (text === null) {
      return "missing";
    }
    try {
      const stored = JSON.parse(text) as { at?: unknown; v?: unknown };
      if (typeof stored.at === "number" && "v" in stored) {
        // Written by `write` below for this very key, from what `compute` returned.
        return { value: stored.v as T, computedAt: stored.at };
      }
    } catch {
      // Not written by this store: computed afresh and overwritten.
    }
    return "missing";
  }

  private async write<T>(answerKey: string, answer: AggregateAnswer<T>, maxAgeMs: number): Promise<void> {
    const ttl = Math.floor(answer.computedAt + maxAgeMs - Date.now());
    if (ttl < 1) {
      return;
    }
    if (!survivesJson(answer.value)) {
      this.warn("a statistics answer that JSON would change is not shared with the other replicas");
      return;
    }
    const text = JSON.stringify({ at: answer.computedAt, v: answer.value });
    await this.command(() => this.options.redis.set(answerKey, text, "PX", ttl));
  }

  /** A command's reply, or `unavailable` when Redis fails it (logged at most once a minute). */
  private async command<R>(send: () => Promise<R>): Promise<R | "unavailable"> {
    try {
      return await send();
    } catch {
      // The error may name the URL, which may carry a password: only the condition is logged.
      this.warn("Redis unreachable: statistics answers are computed by each replica until it answers");
      return "unavailable";
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarned >= LOG_INTERVAL_MS) {
      this.lastWarned = now;
      this.options.logger?.warn({ subgraph: this.options.subgraph }, message);
    }
  }

  async close(): Promise<void> {
    await closeRedis(this.options.redis);
  }
}

async function computed<T>(compute: () => Promise<T>): Promise<AggregateAnswer<T>> {
  const value = await compute();
  return { value, computedAt: Date.now() };
}

/**
 * The register's statistics store: Redis when REDIS_URL is set, none otherwise (each process keeps
 * its own answers, as AggregateCache does). Start-up does not wait for Redis: until it answers,
 * statistics are computed here.
 */
export function createAggregateStore(options: {
  subgraph: string;
  redisUrl?: string | undefined;
  prefix?: string;
  lockMs?: number;
  logger: Logger;
}): AggregateStore | undefined {
  const { redisUrl, ...rest } = options;
  return redisUrl ? new RedisAggregateStore({ ...rest, redis: connectRedis(redisUrl) }) : undefined;
}
