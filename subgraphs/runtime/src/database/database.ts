import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { refuseInProduction } from "../config/production.js";
import { type DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS } from "./database-timeouts.js";
import { countStatements, type StatementCounter } from "./statement-counter.js";

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
  /** The register's name, used as the PGlite folder under `dataDir`. */
  name: string;
  /** PostgreSQL connection string; when absent the embedded PGlite is used. */
  url?: string | undefined;
  /** Parent folder for embedded databases. */
  dataDir: string;
  /** Embedded only: keep the database in memory (tests). */
  inMemory?: boolean;
  /** Embedded only: start from a `dumpDataDir()` image instead of running initdb (tests). */
  template?: Blob;
  poolSize?: number;
  /** PostgreSQL only; the defaults otherwise. */
  timeouts?: Partial<DatabaseTimeouts> | undefined;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10, { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts })
    : openPglite(options);
}

function openPostgres(url: string, poolSize: number, timeouts: DatabaseTimeouts): Database {
  const pool = new pg.Pool({
    connectionString: url,
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
    adapter: countStatements(new PrismaPg(pool), statements),
    sql: executor(pool),
    async reads(text, params) {
      statements.count++;
      return (await pool.query({ text, values: params, types: utcDates })).rows;
    },
    statements,
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

/**
 * PGlite silently loses writes when two processes open the same folder, so each folder is held
 * with a lock file naming its owner. A lock left by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(path.dirname(dir), { recursive: true });
  const lockFile = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
      const owner = Number(readFileSync(lockFile, "utf8"));
      if (owner && isAlive(owner)) {
        throw new Error(`The embedded database ${dir} is already open in process ${owner}`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
