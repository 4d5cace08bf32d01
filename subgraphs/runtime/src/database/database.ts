import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { refuseInProduction } from "../config/production.js";
import type { PoolFigures } from "../metrics/register-metrics.js";
import { lockDataDir } from "./data-dir-lock.js";
import { type DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS } from "./database-timeouts.js";
import { embeddedDatabaseUrl } from "./embedded-client.js";
import { countStatements, type StatementCounter, tracedStatement } from "./statement-counter.js";

/** Plain SQL access, used by the migration runner, the seeders and the tests. */
export interface SqlExecutor {
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>;
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `fn` on one connection, so that session state such as advisory locks holds throughout. */
  withSession<T>(fn: (session: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface Database {
  kind: "postgres" | "pglite";
  /** Where the data lives, without credentials, for start-up messages. */
  location: string;
  /** Driver adapter for the subgraph's PrismaClient; statements through it are counted. */
  adapter: SqlDriverAdapterFactory;
  sql: SqlExecutor;
  /**
   * PostgreSQL only: a counted read with Prisma's value conventions for dates (UTC), for the
   * loaders' fast path (`keyedReads`).
   */
  reads?: (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  statements: StatementCounter;
  /** PostgreSQL only: the pool's figures, for /metrics. */
  pool?: PoolFigures;
  close(): Promise<void>;
}

/**
 * node-pg reads DATE and TIMESTAMP (without time zone) in the process's local time zone; Prisma
 * stores and reads them as UTC. These parsers read them as Prisma does, whatever the zone.
 */
const utcDates: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === pg.types.builtins.DATE) {
      return (text: string) => new Date(`${text}T00:00:00Z`);
    }
    if (oid === pg.types.builtins.TIMESTAMP) {
      return (text: string) => new Date(`${text.replace(" ", "T")}Z`);
    }
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

export interface OpenDatabaseOptions {
  /** The register's name: its database on the embedded server, or its in-process PGlite's label. */
  name: string;
  /** PostgreSQL connection string; when absent the embedded database under `dataDir` is used. */
  url?: string | undefined;
  /** Where the embedded database lives (and the file naming its running server). */
  dataDir: string;
  /** Tests: an in-process PGlite of this process alone, in memory. */
  inMemory?: boolean;
  /** Tests: an in-process PGlite started from a `dumpDataDir()` image instead of initdb. */
  template?: Blob;
  poolSize?: number;
  /** PostgreSQL only; the defaults otherwise. */
  timeouts?: Partial<DatabaseTimeouts> | undefined;
}

/**
 * A URL: that PostgreSQL. None: the embedded database under `dataDir` (the running server's, or one
 * this process serves until closed), through the same PostgreSQL code path. `inMemory` or
 * `template`: an in-process PGlite, for tests.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const timeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts };
  if (options.url) {
    return openPostgres(options.url, options.poolSize ?? 10, timeouts);
  }
  if (options.inMemory || options.template) {
    return openPglite(options);
  }
  refuseInProduction(`The embedded database (${options.name})`, "set its PostgreSQL URL");
  const embedded = await embeddedDatabaseUrl(options.dataDir, options.name);
  try {
    const database = openPostgres(embedded.url, options.poolSize ?? 10, timeouts);
    return {
      ...database,
      async close() {
        await database.close();
        await embedded.release();
      },
    };
  } catch (error) {
    await embedded.release();
    throw error;
  }
}

function openPostgres(url: string, poolSize: number, timeouts: DatabaseTimeouts): Database {
  // Prisma's `?schema=` convention: Prisma's queries name it, and plain SQL finds it first.
  const schema = new URL(url).searchParams.get("schema") ?? undefined;
  const pool = new pg.Pool({
    connectionString: url,
    ...(schema ? { options: `-c search_path="${schema.replaceAll('"', '""')}"` } : {}),
    max: poolSize,
    connectionTimeoutMillis: timeouts.connectMs,
    // Sent as startup parameters, so they hold from the first statement of every connection.
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    query_timeout: timeouts.queryMs,
  });
  // A client that loses its connection (idle in the pool, or ended by the server, e.g. FATAL 25P03)
  // emits 'error'; without a listener that would crash the process. The query it was running, if
  // any, fails on its own and is answered there.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const statements: StatementCounter = { count: 0 };
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async exec(script) {
      await client.query(script);
    },
    async query<Row>(text: string, params: unknown[] = []) {
      const result = await client.query(text, params);
      return result.rows as Row[];
    },
    async withSession(fn) {
      const session = await pool.connect();
      try {
        return await fn(executor(session));
      } finally {
        session.release();
      }
    },
  });
  const { hostname, port, pathname } = new URL(url);
  return {
    kind: "postgres",
    location: `postgresql://${hostname}:${port || 5432}${pathname}`,
    adapter: countStatements(new PrismaPg(pool, schema ? { schema } : {}), statements),
    sql: executor(pool),
    async reads(text, params) {
      statements.count++;
      return (await tracedStatement(text, () => pool.query({ text, values: params, types: utcDates }))).rows;
    },
    statements,
    pool,
    close: () => pool.end(),
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  refuseInProduction(`The embedded database (${options.name})`, "set its PostgreSQL URL");
  const dir = options.inMemory ? undefined : path.resolve(options.dataDir, options.name);
  const releaseLock = dir ? lockDataDir(dir) : () => {};
  try {
    const db = await PGlite.create({
      ...(dir ? { dataDir: dir } : {}),
      ...(options.template ? { loadDataDir: options.template } : {}),
    });
    const statements: StatementCounter = { count: 0 };
    // PGlite has a single connection, so session-level locks do not exclude callers in this
    // process; sessions are serialized here instead.
    let sessionQueue: Promise<unknown> = Promise.resolve();
    const sql: SqlExecutor = {
      async exec(script) {
        await db.exec(script);
      },
      async query<Row>(text: string, params: unknown[] = []) {
        const result = await db.query<Row>(text, params);
        return result.rows;
      },
      withSession<T>(fn: (session: SqlExecutor) => Promise<T>): Promise<T> {
        const run = sessionQueue.then(() => fn(sql));
        sessionQueue = run.catch(() => {});
        return run;
      },
    };
    return {
      kind: "pglite",
      location: dir ?? "memory",
      adapter: countStatements(new PrismaPGlite(db), statements),
      sql,
      statements,
      async close() {
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
