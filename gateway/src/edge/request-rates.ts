import type { Redis } from "ioredis";
import { BurstyRateLimiter, type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { MemoryRates } from "./memory-rates.js";
import type { LimitName, LimitState } from "./rate-limit-headers.js";

/**
 * How long the burst allowance lasts: a caller may use `burst − perSecond` requests beyond its
 * per-second rate once per this many seconds, so that a page load or a retry storm fits while a
 * sustained overload gets at most a tenth of the burst above the rate.
 */
export const BURST_WINDOW_SECONDS = 10;

export interface Rate {
  perSecond: number;
  /** The most requests accepted in one second after a quiet spell. */
  burst: number;
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

export interface RateDecision extends LimitState {
  allowed: boolean;
}

/**
 * Requests per second with a burst, per key (a grant or a subject's hash), in fixed windows. On
 * Redis (rate-limiter-flexible) every replica shares the windows; should Redis fail or be
 * unreachable, the same limits are applied from this process's memory at once (what
 * rate-limiter-flexible's insurance limiter does, but told to `onFailure` so that it is logged),
 * and Redis is asked again with the next request.
 */
export class RequestRates {
  private readonly limiters = new Map<string, Consumer>();
  private readonly memory = new MemoryRates();

  constructor(
    private readonly options: {
      prefix: string;
      redis?: Redis | undefined;
      onFailure?: (error: unknown) => void;
    },
  ) {}

  async take(name: LimitName, key: string, rate: Rate): Promise<RateDecision> {
    const decided = (allowed: boolean, remaining: number, msBeforeReset: number): RateDecision => ({
      allowed,
      name,
      quota: rate.perSecond,
      windowSeconds: 1,
      remaining: allowed ? remaining : 0,
      msBeforeReset,
    });
    const inMemory = () => {
      const id = `${name}:${rate.perSecond}:${rate.burst}`;
      const counted = this.memory.take(
        `${id}\u0000${key}`,
        rate.perSecond,
        rate.burst - rate.perSecond,
        BURST_WINDOW_SECONDS * 1000,
      );
      return decided(counted.allowed, counted.remaining, counted.msBeforeReset);
    };
    const { redis } = this.options;
    if (!redis) {
      return inMemory();
    }
    try {
      return decided(true, ...remainder(await this.sharedFor(redis, name, rate).consume(key)));
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        return decided(false, ...remainder(refusal));
      }
      this.options.onFailure?.(refusal);
      return inMemory();
    }
  }

  // Limiters have fixed quotas, so there is one per rate in use; a grant override gets its own.
  private sharedFor(redis: Redis, name: LimitName, rate: Rate): Consumer {
    const id = `${name}:${rate.perSecond}:${rate.burst}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const keyPrefix = `${this.options.prefix}:rate:${id}`;
      const base = this.inRedis(redis, keyPrefix, rate.perSecond, 1);
      const extra = rate.burst - rate.perSecond;
      limiter =
        extra > 0
          ? new BurstyRateLimiter(base, this.inRedis(redis, `${keyPrefix}:burst`, extra, BURST_WINDOW_SECONDS))
          : base;
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  private inRedis(redis: Redis, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
    // Not waiting for a connection that is down: the memory limiter answers instead, at once.
    return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });
  }
}

const remainder = (res: RateLimiterRes): [number, number] => [res.remainingPoints, res.msBeforeNext];
