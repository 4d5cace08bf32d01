import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Umzug } from "umzug";
import type { SqlExecutor } from "./database.js";

/** Prisma's own advisory-lock key, so that `prisma migrate deploy` and this runner exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

/**
 * A migration over a national register (an index on 20 M rows) runs far longer than the service's
 * statement timeouts, and a replica starting meanwhile waits that long for the lock: neither is cut
 * by the request-sized defaults, both by these.
 */
const MIGRATION_TIMEOUT_MS = 60 * 60_000;
const LOCK_WAIT_MS = 30 * 60_000;
const LOCK_POLL_MS = 200;

// The table Prisma keeps; writing the same rows keeps `prisma migrate status` in agreement.
const BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export function readMigrations(directory: string): MigrationFile[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(path.join(directory, name, "migration.sql"));
      return {
        name,
        sql: bytes.toString("utf8"),
        checksum: createHash("sha256").update(bytes).digest("hex"),
      };
    });
}

/**
 * Applies the SQL migrations generated from the Prisma schema, each in its own transaction,
 * under Prisma's advisory lock: replicas that start together apply each migration exactly once.
 * Refuses to start when an applied migration was edited afterwards or a previous run failed.
 * Returns the names of the migrations it applied.
 */
export async function applyMigrations(sql: SqlExecutor, directory: string): Promise<string[]> {
  const files = readMigrations(directory);
  return sql.withSession(
    async (session) => {
      await takeMigrationLock(session);
      try {
        await session.exec(BOOKKEEPING_TABLE);
        const applied = await session.query<AppliedRow>(
          `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
        );
        assertHistoryIsSound(applied, files);
        const umzug = new Umzug({
          migrations: files.map((file) => ({
            name: file.name,
            up: () => apply(session, file),
          })),
          storage: {
            executed: async () =>
              applied.filter((row) => row.finished_at && !row.rolled_back_at).map((row) => row.migration_name),
            // The bookkeeping row is written inside the migration's own transaction (see apply).
            logMigration: async () => {},
            unlogMigration: async () => {
              throw new Error("Migrations are forward-only");
            },
          },
          logger: undefined,
        });
        const done = await umzug.up();
        return done.map((migration) => migration.name);
      } finally {
        await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]);
      }
    },
    { queryTimeoutMs: MIGRATION_TIMEOUT_MS },
  );
}

/**
 * Polls rather than blocking in `pg_advisory_lock`, which the session's lock_timeout (1 s by
 * default) would cancel while another replica is still migrating.
 */
async function takeMigrationLock(session: SqlExecutor): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const [row] = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      PRISMA_MIGRATE_LOCK,
    ]);
    if (row?.locked) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Another process has held the migration lock for ${LOCK_WAIT_MS / 60_000} minutes; is a migration stuck?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

async function apply(session: SqlExecutor, file: MigrationFile): Promise<void> {
  await session.exec("BEGIN");
  try {
    await session.exec(`SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
    await session.exec(file.sql);
    await session.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), file.checksum, file.name],
    );
    await session.exec("COMMIT");
  } catch (error) {
    await session.exec("ROLLBACK");
    throw new Error(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

function assertHistoryIsSound(applied: AppliedRow[], files: MigrationFile[]): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of applied) {
    if (row.rolled_back_at) {
      continue;
    }
    if (!row.finished_at) {
      throw new Error(`Migration ${row.migration_name} started but never finished; resolve it first`);
    }
    const file = byName.get(row.migration_name);
    if (!file) {
      throw new Error(`Migration ${row.migration_name} is applied but missing from this version of the code`);
    }
    if (file.checksum !== row.checksum) {
      throw new Error(`Migration ${row.migration_name} was modified after it was applied`);
    }
  }
}
