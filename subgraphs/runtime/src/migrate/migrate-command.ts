import { z } from "zod";
import { logLevel, parseEnv, readEnvOrExit } from "../config/env.js";
import { openDatabase } from "../database/database.js";
import { databaseTimeoutsEnv, databaseTimeoutsOf, timeoutsAreOrdered } from "../database/database-timeouts.js";
import { applyMigrations } from "../database/migrations.js";
import { createLogger } from "../logging/logger.js";

/**
 * `deploy/entrypoint.mjs migrate <register>`: brings one database's schema up to date and exits.
 * Services already migrate at start-up under Prisma's advisory lock, so replicas never race; this
 * exists so that an operator can migrate before a rollout (a Job, a release step) and new pods
 * start at once instead of queueing on the lock. Only PostgreSQL: the embedded database is
 * migrated by the service that serves it.
 */
export interface MigrationTarget {
  /** The register's (or the access log's) name, for the log. */
  name: string;
  /** The setting naming its PostgreSQL, e.g. POPULATION_DATABASE_URL. */
  urlSetting: string;
  migrationsDir: string;
}

export async function migrateOnce(
  target: MigrationTarget,
  source?: Record<string, string | undefined>,
): Promise<string[]> {
  const env = readEnvOrExit(() =>
    parseEnv(
      z
        .object({
          [target.urlSetting]: z
            .string({ error: "required: the PostgreSQL whose schema is migrated" })
            .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
          LOG_LEVEL: logLevel,
          ...databaseTimeoutsEnv,
        })
        .refine(timeoutsAreOrdered, {
          path: ["DATABASE_QUERY_TIMEOUT_MS"],
          message: "must be longer than DATABASE_STATEMENT_TIMEOUT_MS",
        }),
      source,
    ),
  );
  const url = (env as Record<string, unknown>)[target.urlSetting] as string;
  const logger = createLogger(`${target.name}-migrate`, env.LOG_LEVEL);
  const database = await openDatabase({
    name: target.name,
    url,
    dataDir: "",
    poolSize: 1,
    timeouts: databaseTimeoutsOf(env),
  });
  try {
    const applied = await applyMigrations(database.sql, target.migrationsDir);
    logger.info({ database: database.kind, location: database.location, applied }, "migrations applied");
    return applied;
  } finally {
    await database.close();
  }
}
