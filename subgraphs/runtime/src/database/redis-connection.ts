import { Redis } from "ioredis";

/**
 * The Redis a register's replicas share (REDIS_URL): the replay guard and the statistics answers.
 * Commands are never queued while disconnected and time out after 500 ms, so that a request meets
 * its fallback (a refusal for the guard, a computation for statistics) at once instead of waiting
 * for a reconnection; ioredis keeps reconnecting in the background. Its errors are silenced here:
 * each user logs its own condition, and an error may name the URL, which may carry a password.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: 500,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener ioredis reports every failed reconnection on stderr.
  redis.on("error", () => {});
  return redis;
}

/** QUIT when connected (pending replies are read first), a plain disconnect otherwise. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") {
    await redis.quit();
  } else {
    redis.disconnect();
  }
}
