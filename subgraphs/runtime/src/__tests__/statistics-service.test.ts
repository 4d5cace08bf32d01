import { pino } from "pino";
import { type Database, openDatabase } from "../database/database.js";
import { type StatisticDeclaration, singleLattice } from "../statistics/declaration.js";
import { Statistics } from "../statistics/statistics-service.js";

/*
 * The snapshot service on an in-process PGlite: a missing snapshot is computed once however many
 * requests wait for it; an old one is served while it is refreshed; a refresh that fails leaves the
 * previous snapshot served and logs the statistic and SQLSTATE only.
 */

let database: Database;
const lines: string[] = [];
const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });

const ITEMS: StatisticDeclaration = {
  name: "items",
  spec: { dimensions: [{ name: "kind" }], measures: [{ kind: "count", name: "n" }] },
  sql: "SELECT kind, count(*)::int AS n FROM item GROUP BY CUBE (kind)",
  cells: singleLattice({ dimensions: { kind: "kind" }, counts: { n: "n" } }),
};

const RULES = { threshold: 1, dominancePercent: 0 };

beforeAll(async () => {
  database = await openDatabase({ name: "statistics", dataDir: "", inMemory: true });
  await database.sql.exec(`
    CREATE TABLE statistics_snapshot (
      name text PRIMARY KEY, computed_at timestamptz NOT NULL, cells jsonb NOT NULL, refresh_ms integer);
    CREATE TABLE item (kind text NOT NULL);
    INSERT INTO item SELECT CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 30) i;`);
}, 30_000);

afterAll(async () => {
  await database?.close();
});

function service(declarations: StatisticDeclaration[], refreshSeconds = 60) {
  return new Statistics({
    register: "test",
    sql: database.sql,
    statements: database.statements,
    declarations,
    refreshSeconds,
    refreshTimeoutMs: 10_000,
    logger,
    rules: RULES,
  });
}

const counts = (statistics: Statistics) =>
  statistics
    .snapshot("items")
    .then(({ lattice, computedAt }) => ({ cells: lattice.answer(["kind"], { totals: true }), computedAt }));

describe("statistics snapshots", () => {
  it("compute a missing snapshot once for all the requests waiting for it", async () => {
    const statistics = service([ITEMS]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => counts(statistics)));
    const [row] = await database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM statistics_snapshot");
    expect(row?.n).toBe(1);
    expect(new Set(answers.map((a) => a.computedAt.getTime())).size).toBe(1);
    expect(answers[0]?.cells.map((c) => [c.at.kind, c.values.n])).toEqual([
      ["a", 10],
      ["b", 20],
      [null, 30],
    ]);
    await statistics.close();
  });

  it("serve an old snapshot while it is refreshed, then the new one", async () => {
    const statistics = service([ITEMS], 1);
    const before = await counts(statistics);
    await database.sql.exec("INSERT INTO item VALUES ('a')");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Stale: answered from the old snapshot at once, refreshed behind it.
    const stale = await counts(statistics);
    expect(stale).toEqual(before);
    // A refresh no request waits for belongs to none: the register's statement count (read per
    // request by the benches and N+1 tests) does not move.
    const statementsBefore = database.statements.count;
    await expect(statistics.refresh("items", { force: true })).resolves.toBe("refreshed");
    expect(database.statements.count).toBe(statementsBefore);
    const after = await counts(statistics);
    expect(after.cells.at(-1)?.values.n).toBe(31);
    expect(after.computedAt.getTime()).toBeGreaterThan(before.computedAt.getTime());
    await statistics.close();
  });

  it("keep serving the previous snapshot when a refresh fails, and log no data", async () => {
    await service([ITEMS]).refresh("items", { force: true });
    const broken = service([{ ...ITEMS, sql: "SELECT kind, count(*) / 0 AS n FROM item GROUP BY CUBE (kind)" }], 1);
    const before = await counts(broken);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    lines.length = 0;
    await broken.refreshStale();
    expect(await counts(broken)).toEqual(before);
    // That answer set off another background attempt: over once the service is closed.
    await broken.close();
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ statistic: "items", code: "22012" });
      expect(line).not.toMatch(/division|SELECT/i);
    }
  });
});
