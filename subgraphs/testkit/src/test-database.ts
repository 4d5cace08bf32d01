import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { applyMigrations, type Database, openDatabase } from "@spx/runtime/database";
import pg from "pg";

/*
 * Test support: a private, migrated database per test file, on the server the test run chose
 * (see tests/jest/global-setup.js), dropped afterwards.
 */

export interface TestDatabase {
  database: Database;
  /** Connection string of this database, or undefined on PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

function adminUrl(): string | undefined {
  // biome-ignore lint/style/noProcessEnv: set by the test run's global setup
  return process.env.SPX_TEST_POSTGRES_URL;
}

export function testDatabaseKind(): "postgres" | "pglite" {
  return adminUrl() ? "postgres" : "pglite";
}

export async function createTestDatabase(label: string, migrationsDir?: string): Promise<TestDatabase> {
  const admin = adminUrl();
  let database: Database;
  let url: string | undefined;
  let dropDatabase = async () => {};
  if (admin) {
    const name = `spx_test_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    const target = new URL(admin);
    target.pathname = `/${name}`;
    url = target.toString();
    database = await openDatabase({ name, url, dataDir: "", poolSize: 5 });
    dropDatabase = async () => {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
  } else {
    // biome-ignore lint/style/noProcessEnv: set by the test run's global setup
    const templateFile = process.env.SPX_TEST_PGLITE_TEMPLATE;
    const template = templateFile ? new Blob([readFileSync(templateFile)]) : undefined;
    database = await openDatabase({ name: label, dataDir: "", inMemory: true, ...(template ? { template } : {}) });
  }
  if (migrationsDir) {
    await applyMigrations(database.sql, migrationsDir);
  }
  return {
    database,
    url,
    async drop() {
      await database.close();
      await dropDatabase();
    },
  };
}
