import type { Logger } from "../logging/logger.js";
import { type Database, openDatabase } from "./database.js";
import type { DatabaseTimeouts } from "./database-timeouts.js";
import { applyMigrations } from "./migrations.js";

/** Opens the register's database and brings its schema up to date. */
export async function prepareDatabase(options: {
  name: string;
  url?: string | undefined;
  dataDir: string;
  migrationsDir: string;
  log: Logger;
  timeouts?: Partial<DatabaseTimeouts> | undefined;
}): Promise<Database> {
  const database = await openDatabase(options);
  try {
    const applied = await applyMigrations(database.sql, options.migrationsDir);
    options.log.info({ database: database.kind, location: database.location, applied }, "database ready");
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
