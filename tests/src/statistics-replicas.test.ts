import { population } from "@spx/population/subgraph";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen } from "@spx/runtime/server";
import { type AppOf, createSubgraph } from "@spx/runtime/subgraph";
import { InternalTokenSigner, signInternalToken } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";

/*
 * Replicas of the population register over one PostgreSQL database, as a deployment runs them:
 * statistics are cut from the register's snapshot table, so every replica serves the same snapshot
 * (the same computedAt) and a warm replica reads only the snapshot; a refresh is made by one replica
 * at a time (an advisory lock), the others skip it. Each replica has its own connection pool, so its
 * own statement count. Needs PostgreSQL (TEST_DATABASE_URL).
 */

const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const BY_REGION = "{ populationStatistics(by: [REGION]) { region count computedAt } }";
const STATISTIC = "populationStatistics";

interface Cell {
  region?: string | null;
  count?: number | null;
  computedAt?: string;
}

let db: TestDatabase;
const cleanup: (() => Promise<void>)[] = [];
let key: InternalTokenSigner;

interface Replica {
  app: AppOf<typeof population>;
  /** Calls the replica as the gateway would; the answer and the SQL statements it cost. */
  ask(query: string, caller?: Caller): Promise<{ cells: Cell[] | undefined; code: unknown; statements: number }>;
}

/** Another process of the register: its own pool on the same database. */
async function replica(statisticsRefreshSeconds = 60): Promise<Replica> {
  const database = await openDatabase({ name: "population", url: db.url, dataDir: "", poolSize: 2 });
  cleanup.push(() => database.close());
  const app = await createSubgraph(population, {
    database,
    dataDir: "",
    tokenKeys: key.keyringFor("population"),
    logger: createLogger("population", "silent"),
    demoSeed: false,
    statisticsRefreshSeconds,
  });
  cleanup.push(() => app.close());
  const server = await listen(app.handler, 0);
  cleanup.push(() => server.close());
  return {
    app,
    async ask(query, caller = analyst) {
      const token = signInternalToken(key, "population", {
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
  key = InternalTokenSigner.generate();
  db = await createTestDatabase("stats_replicas", population.migrationsDir);
  if (!db.url) {
    throw new Error("replicas share a PostgreSQL database: set TEST_DATABASE_URL");
  }
  const seeder = await createSubgraph(population, {
    database: db.database,
    dataDir: "",
    tokenKeys: key.keyringFor("population"),
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

const withoutTime = (cells: Cell[] | undefined) => cells?.map(({ region, count }) => ({ region, count }));

/** The recount, with the counts disclosure control hides (null in the answer) left out of both. */
async function expectRecounted(cells: Cell[] | undefined): Promise<void> {
  const recount = await livingByRegion();
  expect(cells?.map((cell) => cell.region)).toEqual(recount.map((cell) => cell.region));
  const hidden = new Set(cells?.filter((cell) => cell.count === null).map((cell) => cell.region));
  expect(withoutTime(cells)?.filter((cell) => !hidden.has(cell.region))).toEqual(
    recount.filter((cell) => !hidden.has(cell.region)),
  );
  expect(hidden.size).toBeLessThan(recount.length);
}

describe("statistics across replicas of one register", () => {
  it("are computed once and served by every replica from the same snapshot, a warm one reading only it", async () => {
    await db.database.sql.query("DELETE FROM statistics_snapshot");
    const a = await replica();
    const b = await replica();
    const first = await a.ask(BY_REGION);
    // No snapshot yet: A computes it before answering (the lattice and its upsert).
    expect(first.statements).toBeGreaterThan(3);
    await expectRecounted(first.cells);
    const second = await b.ask(BY_REGION);
    // B loads the snapshot once (its time, then its cells), and then reads its time alone.
    expect(second.statements).toBe(2);
    expect(second.cells).toEqual(first.cells);
    const third = await b.ask(BY_REGION);
    expect(third.statements).toBe(1);
    const computedAt = new Set([...(first.cells ?? []), ...(third.cells ?? [])].map((cell) => cell.computedAt));
    expect(computedAt.size).toBe(1);
    const [at] = computedAt;
    const [row] = await db.database.sql.query<{ computed_at: Date }>(
      "SELECT computed_at FROM statistics_snapshot WHERE name = $1",
      [STATISTIC],
    );
    expect(new Date(at ?? "").getTime()).toBe(row?.computed_at.getTime());
  });

  it("are refreshed on schedule by one replica per interval, whichever replicas run", async () => {
    const a = await replica(1);
    const b = await replica(1);
    await a.ask(BY_REGION);
    // Both replicas check every third of a second or so; the snapshot's successive times are watched.
    const seen: number[] = [];
    const until = Date.now() + 3_500;
    while (Date.now() < until) {
      const [row] = await db.database.sql.query<{ computed_at: Date }>(
        "SELECT computed_at FROM statistics_snapshot WHERE name = $1",
        [STATISTIC],
      );
      const at = row?.computed_at.getTime() ?? 0;
      if (seen.at(-1) !== at) {
        seen.push(at);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // Never two refreshes within one interval, though two replicas were due each time.
    for (const [i, at] of seen.entries()) {
      if (i > 0) {
        expect(at - (seen[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000);
      }
    }
    const [fromA, fromB] = [(await a.ask(BY_REGION)).cells, (await b.ask(BY_REGION)).cells];
    expect(fromA?.[0]?.computedAt).toBe(fromB?.[0]?.computedAt);
  });

  it("serve each life status from its own lattice, and are refused to a caller not allowed statistics", async () => {
    const a = await replica();
    const deceased = await a.ask("{ populationStatistics(by: [REGION], lifeStatus: DECEASED) { region count } }");
    expect(deceased.code).toBeUndefined();
    expect(withoutTime(deceased.cells)).not.toEqual(withoutTime((await a.ask(BY_REGION)).cells));
    const refused = await a.ask(BY_REGION, registrar);
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.cells).toBeUndefined();
  });
});
