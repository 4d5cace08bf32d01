import type { Redis } from "ioredis";
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
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
 * Requests per second with a burst, per key (a grant or a subject's hash), on rate-limiter-flexible's
 * fixed windows. On Redis every replica shares the windows; should Redis fail or be unreachable,
 * each limiter answers at once from its own memory (rate-limiter-flexible's insurance limiter) and
 * goes back to Redis when it answers again.
 */
export class RequestRates {
  private readonly limiters = new Map<string, Consumer>();

  constructor(private readonly options: { prefix: string; redis?: Redis | undefined }) {}

  async take(name: LimitName, key: string, rate: Rate): Promise<RateDecision> {
    const limiter = this.limiterFor(name, rate);
    const decided = (allowed: boolean, res: RateLimiterRes): RateDecision => ({
      allowed,
      name,
      quota: rate.perSecond,
      windowSeconds: 1,
      remaining: allowed ? res.remainingPoints : 0,
      msBeforeReset: res.msBeforeNext,
    });
    try {
      return decided(true, await limiter.consume(key));
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        return decided(false, refusal);
      }
      throw refusal;
    }
  }

  // Limiters have fixed quotas, so there is one per rate in use; a grant override gets its own.
  private limiterFor(name: LimitName, rate: Rate): Consumer {
    const id = `${name}:${rate.perSecond}:${rate.burst}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const base = this.store(`${id}`, rate.perSecond, 1);
      const extra = rate.burst - rate.perSecond;
      limiter = extra > 0 ? new BurstyRateLimiter(base, this.store(`${id}:burst`, extra, BURST_WINDOW_SECONDS)) : base;
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  private store(id: string, points: number, duration: number): RateLimiterAbstract {
    const keyPrefix = `${this.options.prefix}:rate:${id}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    const { redis } = this.options;
    if (!redis) {
      return memory;
    }
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points,
      duration,
      // Not waiting for a connection that is down: the memory limiter answers instead, at once.
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }
}
