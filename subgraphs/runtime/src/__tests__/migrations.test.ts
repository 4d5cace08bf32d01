import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { applyMigrations } from "../database/migrations.js";

let dir: string;
let db: TestDatabase;

function migration(name: string, sql: string) {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-migrations-"));
  db = await createTestDatabase("migrations");
});
afterEach(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("migration runner", () => {
  it("applies each migration exactly once when several replicas start together", async () => {
    migration("20260101000000_a", "CREATE TABLE a (id int PRIMARY KEY);");
    migration("20260102000000_b", "CREATE TABLE b (id int PRIMARY KEY); INSERT INTO a VALUES (1);");
    const runs = await Promise.all([1, 2, 3].map(() => applyMigrations(db.database.sql, dir)));
    expect(runs.flat().sort()).toEqual(["20260101000000_a", "20260102000000_b"]);
    const rows = await db.database.sql.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(["20260101000000_a", "20260102000000_b"]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it("applies a migration longer than the statement timeouts while other replicas wait for it", async () => {
    // 3 s: past the 2 s statement timeout, the 2.5 s client wait and the 1 s lock timeout.
    migration("20260101000000_slow", "CREATE TABLE slow (id int PRIMARY KEY); SELECT pg_sleep(3);");
    const runs = await Promise.all([1, 2].map(() => applyMigrations(db.database.sql, dir)));
    expect(runs.flat()).toEqual(["20260101000000_slow"]);
    const tables = await db.database.sql.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'slow'");
    expect(tables).toHaveLength(1);
  });

  it("rolls a failing migration back entirely and records nothing", async () => {
    migration("20260101000000_bad", "CREATE TABLE c (id int); SELECT no_such_function();");
    await expect(applyMigrations(db.database.sql, dir)).rejects.toThrow(/20260101000000_bad failed/);
    const tables = await db.database.sql.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'c'");
    expect(tables).toEqual([]);
    const rows = await db.database.sql.query(`SELECT 1 FROM "_prisma_migrations"`);
    expect(rows).toEqual([]);
  });

  it("refuses to start when an applied migration was edited", async () => {
    migration("20260101000000_a", "CREATE TABLE a (id int PRIMARY KEY);");
    await applyMigrations(db.database.sql, dir);
    migration("20260101000000_a", "CREATE TABLE a (id bigint PRIMARY KEY);");
    await expect(applyMigrations(db.database.sql, dir)).rejects.toThrow(/modified after it was applied/);
  });
});
