import { randomBytes } from "node:crypto";
import { population } from "@spx/population/subgraph";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { closeRedis, connectRedis, type Database, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { type AggregateStore, RedisAggregateStore } from "@spx/runtime/schema";
import { listen } from "@spx/runtime/server";
import { createSubgraph } from "@spx/runtime/subgraph";
import { generateSigningKey, localKeySet, type SigningKey, signInternalToken } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";

/*
 * Replicas of the population register over one PostgreSQL database and one Redis, as a deployment
 * runs them: a statistics answer computed by one is served by the others without a scan, for its
 * maximum age; and a Redis that does not answer costs nothing but the scan. Each replica has its own
 * connection pool, so its own statement count. Needs PostgreSQL (TEST_DATABASE_URL) and Redis.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const BY_REGION = "{ populationStatistics(by: [REGION]) { region count } }";

interface Cell {
  region?: string | null;
  count?: number;
  computedAt?: string;
}

let db: TestDatabase;
const cleanup: (() => Promise<void>)[] = [];
let key: SigningKey;

interface Replica {
  database: Database;
  /** Calls the replica as the gateway would; the answer and the SQL statements it cost. */
  ask(query: string, caller?: Caller): Promise<{ cells: Cell[] | undefined; code: unknown; statements: number }>;
}

/** A key prefix of its own, so that nothing is shared with other runs on the shared Redis. */
const testPrefix = () => `test:stats:${randomBytes(6).toString("hex")}:`;

/** The runtime's own ioredis (the tests workspace resolves another copy). */
type Redis = ReturnType<typeof connectRedis>;

async function redis(url = REDIS_URL): Promise<Redis> {
  const client = connectRedis(url);
  cleanup.push(() => closeRedis(client));
  if (url === REDIS_URL) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Redis not ready in 5 s")), 5_000);
      client.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return client;
}

async function store(prefix: string, url = REDIS_URL): Promise<AggregateStore> {
  return new RedisAggregateStore({ redis: await redis(url), subgraph: "population", prefix });
}

/** Another process of the register: its own pool on the same database, its own Redis connection. */
async function replica(aggregateStore: AggregateStore, statisticsMaxAgeSeconds = 60): Promise<Replica> {
  const database = await openDatabase({ name: "population", url: db.url, dataDir: "", poolSize: 2 });
  cleanup.push(() => database.close());
  const app = await createSubgraph(population, {
    database,
    dataDir: "",
    gatewayKeys: localKeySet([key]),
    logger: createLogger("population", "silent"),
    demoSeed: false,
    statisticsMaxAgeSeconds,
    aggregateStore,
  });
  cleanup.push(() => app.close());
  const server = await listen(app.handler, 0);
  cleanup.push(() => server.close());
  return {
    database,
    async ask(query, caller = analyst) {
      const token = await signInternalToken(key, "population", {
        caller: { ...caller, purpose: defaultPurpose(caller) },
        requestId: "stats",
        request: { query },
      });
      database.statements.count = 0;
      const { body } = await postGraphQL<{ populationStatistics: Cell[] }>(
        `${server.url}/graphql`,
        { query },
        { authorization: `Bearer ${token}` },
      );
      return {
        cells: body.data?.populationStatistics ?? undefined,
        code: body.errors?.[0]?.extensions?.code,
        statements: database.statements.count,
      };
    },
  };
}

async function livingByRegion(): Promise<Cell[]> {
  return db.database.sql.query<Cell>(
    "SELECT region_code AS region, count(*)::int AS count FROM person WHERE life_status = 'ALIVE' GROUP BY 1 ORDER BY 1",
  );
}

beforeAll(async () => {
  ({ key } = await generateSigningKey());
  db = await createTestDatabase("stats_replicas", population.migrationsDir);
  if (!db.url) {
    throw new Error("replicas share a PostgreSQL database: set TEST_DATABASE_URL");
  }
  const seeder = await createSubgraph(population, {
    database: db.database,
    dataDir: "",
    gatewayKeys: localKeySet([key]),
    logger: createLogger("seed", "silent"),
    demoSeed: false,
  });
  const { seedDemoIfEmpty } = await import("@spx/population/seed/seed-demo");
  await seedDemoIfEmpty(seeder.prisma, { persons: 300 });
  await seeder.close();
});

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) {
    await step();
  }
  await db?.drop();
});

describe("statistics across replicas sharing a Redis", () => {
  it("are computed by one replica and served by another without a scan", async () => {
    const prefix = testPrefix();
    const a = await replica(await store(prefix));
    const b = await replica(await store(prefix));
    const first = await a.ask(BY_REGION);
    expect(first.statements).toBeGreaterThan(0);
    expect(first.cells).toEqual(await livingByRegion());
    const second = await b.ask(BY_REGION);
    expect(second.statements).toBe(0);
    expect(second.cells).toEqual(first.cells);
    // Each cell tells when the answer was computed: once, by A, whichever replica serves it.
    const when = "{ populationStatistics(by: [REGION]) { computedAt } }";
    const [fromA, fromB] = [(await a.ask(when)).cells, (await b.ask(when)).cells];
    const computedAt = new Set([...(fromA ?? []), ...(fromB ?? [])].map((cell) => cell.computedAt));
    expect(computedAt.size).toBe(1);
    const [at] = computedAt;
    expect(Date.now() - Date.parse(at ?? "")).toBeLessThan(30_000);
  });

  it("are apart for other dimensions or filters, and refused to a caller not allowed statistics", async () => {
    const prefix = testPrefix();
    const a = await replica(await store(prefix));
    const b = await replica(await store(prefix));
    await a.ask(BY_REGION);
    const bySex = await b.ask("{ populationStatistics(by: [SEX]) { sex count } }");
    expect(bySex.statements).toBeGreaterThan(0);
    const deceased = await b.ask("{ populationStatistics(by: [REGION], lifeStatus: DECEASED) { region count } }");
    expect(deceased.statements).toBeGreaterThan(0);
    expect(deceased.cells).not.toEqual((await b.ask(BY_REGION)).cells);
    // The answer is in Redis, but a caller without stats:read is refused before it is looked up.
    const refused = await b.ask(BY_REGION, registrar);
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.cells).toBeUndefined();
  });

  it("are computed again once their maximum age is over", async () => {
    const prefix = testPrefix();
    const a = await replica(await store(prefix), 1);
    const b = await replica(await store(prefix), 1);
    await a.ask(BY_REGION);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await b.ask(BY_REGION);
    expect(later.statements).toBeGreaterThan(0);
    expect(later.cells).toEqual(await livingByRegion());
  });

  it("are computed, correctly, by a replica whose Redis does not answer", async () => {
    // A port nothing listens on: every command fails at once.
    const alone = await replica(await store(testPrefix(), "redis://127.0.0.1:1"));
    const answer = await alone.ask(BY_REGION);
    expect(answer.code).toBeUndefined();
    expect(answer.statements).toBeGreaterThan(0);
    expect(answer.cells).toEqual(await livingByRegion());
  });
});
