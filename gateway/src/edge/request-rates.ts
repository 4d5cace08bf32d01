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
 * the same limits are applied from this process's memory at once (what rate-limiter-flexible's
 * insurance limiter does, but told to `onFailure` so that it is logged), and Redis is asked again
 * with the next request.
 */
export class RequestRates {
  private readonly limiters = new Map<string, { shared: Consumer | undefined; memory: Consumer }>();

  constructor(
    private readonly options: {
      prefix: string;
      redis?: Redis | undefined;
      onFailure?: (error: unknown) => void;
    },
  ) {}

  async take(name: LimitName, key: string, rate: Rate): Promise<RateDecision> {
    const { shared, memory } = this.limitersFor(name, rate);
    const decided = (allowed: boolean, res: RateLimiterRes): RateDecision => ({
      allowed,
      name,
      quota: rate.perSecond,
      windowSeconds: 1,
      remaining: allowed ? res.remainingPoints : 0,
      msBeforeReset: res.msBeforeNext,
    });
    const consume = async (limiter: Consumer) => {
      try {
        return decided(true, await limiter.consume(key));
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) {
          return decided(false, refusal);
        }
        throw refusal;
      }
    };
    if (!shared) {
      return consume(memory);
    }
    try {
      return await consume(shared);
    } catch (error) {
      this.options.onFailure?.(error);
      return consume(memory);
    }
  }

  // Limiters have fixed quotas, so there is one per rate in use; a grant override gets its own.
  private limitersFor(name: LimitName, rate: Rate) {
    const id = `${name}:${rate.perSecond}:${rate.burst}`;
    let limiters = this.limiters.get(id);
    if (!limiters) {
      const { redis } = this.options;
      limiters = {
        shared: redis
          ? this.bursty(rate, (keyPrefix, points, duration) => this.inRedis(redis, keyPrefix, points, duration), id)
          : undefined,
        memory: this.bursty(
          rate,
          (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }),
          id,
        ),
      };
      this.limiters.set(id, limiters);
    }
    return limiters;
  }

  private bursty(
    rate: Rate,
    store: (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract,
    id: string,
  ): Consumer {
    const keyPrefix = `${this.options.prefix}:rate:${id}`;
    const base = store(keyPrefix, rate.perSecond, 1);
    const extra = rate.burst - rate.perSecond;
    return extra > 0 ? new BurstyRateLimiter(base, store(`${keyPrefix}:burst`, extra, BURST_WINDOW_SECONDS)) : base;
  }

  private inRedis(redis: Redis, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
    // Not waiting for a connection that is down: the memory limiter answers instead, at once.
    return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });
  }
}
