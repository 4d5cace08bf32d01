import type { Logger } from "@spx/runtime/logging";
import { Redis } from "ioredis";

/**
 * A rate-limit check must never hold a request up for long: past this, the command fails and the
 * process's own memory answers instead. Not much shorter, though: the timer runs on the event loop,
 * which a busy gateway may hold for a few hundred milliseconds (a cold query plan), and a reply
 * waiting behind it must not count as a failure.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The Redis the rate limits are shared through. Commands are never queued while disconnected
 * (`enableOfflineQueue: false`), so that a request meets the in-memory fallback at once instead of
 * waiting for a reconnection; ioredis keeps reconnecting in the background. Changes of state are
 * logged once each, not per request.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let down = false;
  // The URL may carry a password: only the reason is logged.
  redis.on("error", (error: Error) => {
    if (!down) {
      down = true;
      logger.warn(
        { reason: error.message },
        "Redis unreachable: rate limits are applied by each gateway process in memory until it answers",
      );
    }
  });
  redis.on("ready", () => {
    if (down) {
      down = false;
      logger.info("Redis answers again: rate limits are shared by every gateway process");
    }
  });
  return redis;
}
