import { Redis } from "ioredis";
import { EnvError } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";
import { createLogger } from "../logging/logger.js";
import {
  createReplayGuard,
  MemoryReplayGuard,
  RedisReplayGuard,
  ReplayGuardUnavailableError,
} from "../tokens/replay-guard.js";

const REDIS_URL = "redis://127.0.0.1:6379";

describe("replay guard in memory", () => {
  it("accepts an id once, and again only once the token could no longer be presented", () => {
    let now = 1_000_000;
    const guard = new MemoryReplayGuard({ now: () => now });
    expect(guard.check("token-a", now + 15_000)).toBe("first");
    expect(guard.check("token-a", now + 15_000)).toBe("replayed");
    expect(guard.check("token-b", now + 15_000)).toBe("first");
    now += 14_999;
    expect(guard.check("token-a", now + 15_000)).toBe("replayed");
    now += 1;
    // Expired ids are swept as new ones come: the guard does not grow with traffic.
    expect(guard.check("token-c", now + 15_000)).toBe("first");
    expect(guard.size).toBe(1);
  });

  it("refuses (fails closed) when full of live ids rather than forget one, and recovers as they expire", () => {
    let now = 0;
    const guard = new MemoryReplayGuard({ maxEntries: 3, now: () => now });
    for (const id of ["a", "b", "c"]) {
      expect(guard.check(id, 15_000)).toBe("first");
    }
    expect(() => guard.check("d", 15_000)).toThrow(ReplayGuardUnavailableError);
    // Still remembered: a replay of a live id is refused as a replay, not let through.
    expect(guard.check("a", 15_000)).toBe("replayed");
    expect(guard.size).toBe(3);
    now = 15_000;
    expect(guard.check("d", 30_000)).toBe("first");
  });

  it("holds only the ids still live, however many went through", () => {
    let now = 0;
    const guard = new MemoryReplayGuard({ maxEntries: 2_000, now: () => now });
    // 100 calls every 100 ms for a minute, each id remembered 15 s: 15,000 ids live at most.
    for (let tick = 0; tick < 600; tick += 1) {
      now = tick * 100;
      for (let i = 0; i < 3; i += 1) {
        expect(guard.check(`t${tick}-${i}`, now + 15_000)).toBe("first");
      }
      expect(guard.size).toBeLessThanOrEqual(3 * 151);
    }
  });
});

describe("replay guard in Redis", () => {
  const clients: Redis[] = [];
  const connect = (url = REDIS_URL) => {
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      commandTimeout: 500,
      lazyConnect: true,
      disconnectTimeout: 10,
      retryStrategy: () => null,
    });
    redis.on("error", () => {});
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    await Promise.all(clients.map((redis) => (redis.status === "ready" ? redis.quit() : redis.disconnect())));
  });

  it("is shared by the replicas of a subgraph: the second refuses what the first accepted", async () => {
    const first = connect();
    const second = connect();
    await Promise.all([first.connect(), second.connect()]);
    const prefix = `spx:test:${process.pid}:${Date.now()}:`;
    const replicaA = new RedisReplayGuard({ redis: first, subgraph: "population", prefix });
    const replicaB = new RedisReplayGuard({ redis: second, subgraph: "population", prefix });
    const until = Date.now() + 15_000;
    expect(await replicaA.check("shared-token", until)).toBe("first");
    expect(await replicaB.check("shared-token", until)).toBe("replayed");
    expect(await replicaA.check("shared-token", until)).toBe("replayed");
    // Another subgraph's guard keeps its own ids.
    const other = new RedisReplayGuard({ redis: second, subgraph: "direct-aid", prefix });
    expect(await other.check("shared-token", until)).toBe("first");
    // Remembered no longer than the token could be presented.
    const ttl = await first.pttl(`${prefix}population:shared-token`);
    expect(ttl).toBeGreaterThan(14_000);
    expect(ttl).toBeLessThanOrEqual(15_000);
  });

  it("refuses every request with REPLAY_GUARD_UNAVAILABLE when Redis does not answer", async () => {
    const lines: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => lines.push(message) };
    // Nothing listens on port 1: the guard meets a Redis that is down.
    const down = connect("redis://127.0.0.1:1");
    await down.connect().catch(() => {});
    const guard = new RedisReplayGuard({
      redis: down,
      subgraph: "population",
      logger: logger as unknown as ConstructorParameters<typeof RedisReplayGuard>[0]["logger"],
    });
    for (let i = 0; i < 3; i += 1) {
      const refusal = await guard.check(`t${i}`, Date.now() + 15_000).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ReplayGuardUnavailableError);
      expect((refusal as ReplayGuardUnavailableError).extensions).toMatchObject({
        code: "REPLAY_GUARD_UNAVAILABLE",
        http: { status: 503 },
      });
    }
    // Logged once, not once per request.
    expect(lines).toHaveLength(1);
  });
});

describe("a subgraph's REDIS_URL", () => {
  it("is read once with the other settings: a redis:// URL, empty meaning unset, anything else refused", () => {
    expect(subgraphEnv("POPULATION", 4001, { REDIS_URL: "redis://127.0.0.1:6379/2" }).redisUrl).toBe(
      "redis://127.0.0.1:6379/2",
    );
    expect(subgraphEnv("POPULATION", 4001, { REDIS_URL: "" }).redisUrl).toBeUndefined();
    expect(() => subgraphEnv("POPULATION", 4001, { REDIS_URL: "http://127.0.0.1:6379" })).toThrow(EnvError);
  });

  it("chooses the guard: shared through Redis when set, this process's memory otherwise", async () => {
    const logger = createLogger("population", "silent");
    const memory = await createReplayGuard({ subgraph: "population", logger });
    expect(memory).toBeInstanceOf(MemoryReplayGuard);
    const shared = await createReplayGuard({ subgraph: "population", redisUrl: REDIS_URL, logger });
    try {
      expect(shared).toBeInstanceOf(RedisReplayGuard);
      const id = `env-${process.pid}-${Date.now()}`;
      expect(await shared.check(id, Date.now() + 15_000)).toBe("first");
      expect(await shared.check(id, Date.now() + 15_000)).toBe("replayed");
    } finally {
      await shared.close();
    }
  });
});
