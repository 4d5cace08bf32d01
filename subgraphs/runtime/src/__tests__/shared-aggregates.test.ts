import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { closeRedis, connectRedis } from "../database/redis-connection.js";
import { AggregateCache } from "../schema/aggregate-cache.js";
import { RedisAggregateStore, survivesJson } from "../schema/shared-aggregates.js";

/*
 * Replicas of a register sharing statistics answers through the local Redis: each replica here is
 * an AggregateCache on its own connection, as each process has its own; every test has a key prefix
 * of its own, so that nothing is shared with other runs on the same Redis.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const connections: Redis[] = [];

async function connected(): Promise<Redis> {
  const redis = connectRedis(REDIS_URL);
  connections.push(redis);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis not ready in 5 s")), 5_000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}

afterAll(async () => {
  await Promise.all(connections.map(closeRedis));
});

/** `count` replicas of `subgraph` on one prefix, each on its own Redis connection. */
async function replicas(count: number, options: { maxAgeSeconds?: number; subgraph?: string; prefix?: string } = {}) {
  const prefix = options.prefix ?? `test:stats:${randomBytes(6).toString("hex")}:`;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const store = new RedisAggregateStore({
        redis: await connected(),
        subgraph: options.subgraph ?? "population",
        prefix,
        lockMs: 2_000,
      });
      return new AggregateCache(options.maxAgeSeconds ?? 60, { shared: store });
    }),
  );
}

/** A computation that counts its runs; each run answers `answer()` after `ms`. */
function scan<T>(answer: () => T, ms = 0) {
  const runs = { count: 0 };
  const compute = async () => {
    runs.count++;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return answer();
  };
  return { runs, compute };
}

const CELLS = [
  { region: "01", sex: "FEMALE", ageBand: null, count: 1204 },
  { region: null, sex: "MALE", ageBand: "65+", count: 0 },
];

describe("statistics answers shared through Redis", () => {
  it("computed by one replica are served by another without computing, with when they were computed", async () => {
    const [a, b] = await replicas(2);
    const { runs, compute } = scan(() => structuredClone(CELLS));
    const first = await a?.answer("populationStatistics:{}", compute);
    const second = await b?.answer("populationStatistics:{}", compute);
    expect(runs.count).toBe(1);
    expect(second?.value).toEqual(CELLS);
    expect(second?.computedAt).toBe(first?.computedAt);
  });

  it("are computed once when two replicas are asked at the same moment", async () => {
    const [a, b] = await replicas(2);
    const { runs, compute } = scan(() => CELLS, 300);
    const answers = await Promise.all([a?.get("k", compute), b?.get("k", compute), b?.get("k", compute)]);
    expect(runs.count).toBe(1);
    expect(answers).toEqual([CELLS, CELLS, CELLS]);
  });

  it("expire after their maximum age, on every replica", async () => {
    const [a, b] = await replicas(2, { maxAgeSeconds: 1 });
    let version = 0;
    const { runs, compute } = scan(() => ++version);
    expect(await a?.get("k", compute)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await b?.get("k", compute)).toBe(2);
    expect(await a?.get("k", compute)).toBe(2);
    expect(runs.count).toBe(2);
  });

  it("are apart for another question, and for another register on the same Redis", async () => {
    const prefix = `test:stats:${randomBytes(6).toString("hex")}:`;
    const [population] = await replicas(1, { prefix });
    const [registry] = await replicas(1, { prefix, subgraph: "social-registry" });
    let asked = 0;
    const { runs, compute } = scan(() => ++asked);
    expect(await population?.get('q:{"by":["REGION"]}', compute)).toBe(1);
    expect(await population?.get('q:{"by":["SEX"]}', compute)).toBe(2);
    expect(await registry?.get('q:{"by":["REGION"]}', compute)).toBe(3);
    expect(runs.count).toBe(3);
  });

  it("are computed by the waiting replica when the one computing fails, and a failure is never kept", async () => {
    const [a, b] = await replicas(2);
    const failing = a?.get("k", async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      throw new Error("statement timeout");
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { runs, compute } = scan(() => 7);
    const waiting = b?.get("k", compute);
    await expect(failing).rejects.toThrow("statement timeout");
    expect(await waiting).toBe(7);
    expect(runs.count).toBe(1);
    expect(await a?.get("k", compute)).toBe(7);
    expect(runs.count).toBe(1);
  });

  it("that JSON would change are served by the replica that computed them only", async () => {
    const [a, b] = await replicas(2);
    const when = new Date("2026-01-01T00:00:00Z");
    const { runs, compute } = scan(() => ({ when }));
    expect((await a?.get("k", compute))?.when).toBe(when);
    expect((await b?.get("k", compute))?.when).toBe(when);
    expect(runs.count).toBe(2);
  });

  it("are computed by each replica, correctly and at once, when Redis is down", async () => {
    // A port nothing listens on, and no reconnection: every command fails at once.
    const down = new Redis("redis://127.0.0.1:1", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on("error", () => {});
    connections.push(down);
    const store = new RedisAggregateStore({ redis: down, subgraph: "population" });
    const cache = new AggregateCache(60, { shared: store });
    const { runs, compute } = scan(() => CELLS);
    const started = Date.now();
    expect(await cache.get("k", compute)).toEqual(CELLS);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Kept in this process's memory meanwhile.
    expect(await cache.get("k", compute)).toEqual(CELLS);
    expect(runs.count).toBe(1);
  });
});

describe("what JSON keeps exactly", () => {
  it("is numbers, strings, booleans, null, arrays and plain objects", () => {
    expect(survivesJson([{ a: 1, b: "0.2500000", c: null, d: [true] }])).toBe(true);
    for (const changed of [new Date(), 1n, Number.NaN, -0, { a: undefined }, [undefined], new Map()]) {
      expect(survivesJson(changed)).toBe(false);
    }
  });
});
