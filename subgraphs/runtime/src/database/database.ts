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
import { runningEmbeddedServer } from "./embedded-server.js";
import { countStatements, type StatementCounter, tracedStatement } from "./statement-counter.js";

/** Plain SQL access, used by the migration runner, the seeders and the tests. */
export interface SqlExecutor {
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>;
  /**
   * `prepareAs` names the statement so that PostgreSQL plans it once per connection: for the
   * hottest fixed statements only (a name must always mean the same text). PGlite ignores it.
   */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[], prepareAs?: string): Promise<Row[]>;
  /**
   * Runs `fn` on one connection, so that session state such as advisory locks holds throughout;
   * `queryTimeoutMs` as for `transaction`.
   */
  withSession<T>(fn: (session: SqlExecutor) => Promise<T>, options?: { queryTimeoutMs?: number }): Promise<T>;
  /**
   * Runs `fn` in one transaction on one connection (committed if it resolves, rolled back if it
   * throws), no other statement of this process coming between on PGlite. `queryTimeoutMs`
   * replaces the client-side wait for its statements: a long statement allowed by a `SET LOCAL
   * statement_timeout` (a statistics refresh) is not cut by the driver at the service's default.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: { queryTimeoutMs?: number }): Promise<T>;
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
    // `npm start` hands every service the embedded server's URL: same server, same shared session.
    return openPostgres(options.url, options.poolSize ?? 10, timeouts, {
      namedStatements: !isEmbeddedServerUrl(options.url, options.dataDir),
    });
  }
  if (options.inMemory || options.template) {
    return openPglite(options);
  }
  refuseInProduction(`The embedded database (${options.name})`, "set its PostgreSQL URL");
  const embedded = await embeddedDatabaseUrl(options.dataDir, options.name);
  try {
    const database = openPostgres(embedded.url, options.poolSize ?? 10, timeouts, { namedStatements: false });
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

/** node-pg reads `query_timeout` per query too (client.js), though its types do not say so. */
function withTimeout(query: pg.QueryConfig, queryTimeoutMs: number | undefined): pg.QueryConfig {
  return queryTimeoutMs ? ({ ...query, query_timeout: queryTimeoutMs } as pg.QueryConfig) : query;
}

/** Whether `url` points at the embedded server running under `dataDir`. */
function isEmbeddedServerUrl(url: string, dataDir: string): boolean {
  const server = runningEmbeddedServer(dataDir);
  if (!server) {
    return false;
  }
  const { hostname, port } = new URL(url);
  return ["127.0.0.1", "localhost", "[::1]"].includes(hostname) && port === String(server.port);
}

/**
 * `namedStatements: false` for the embedded server: it runs every connection on one PGlite session,
 * so a statement one connection prepares by name already exists for the next, which pg cannot know
 * ("prepared statement … already exists"); there the name is dropped and the statement sent unnamed.
 */
function openPostgres(
  url: string,
  poolSize: number,
  timeouts: DatabaseTimeouts,
  { namedStatements = true }: { namedStatements?: boolean } = {},
): Database {
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
  const naming = { on: namedStatements };
  const executor = (client: pg.Pool | pg.PoolClient, queryTimeoutMs?: number): SqlExecutor => ({
    async exec(script) {
      await client.query(withTimeout({ text: script }, queryTimeoutMs));
    },
    async query<Row>(text: string, params: unknown[] = [], prepareAs?: string) {
      if (prepareAs && naming.on) {
        try {
          const named = await client.query(withTimeout({ name: prepareAs, text, values: params }, queryTimeoutMs));
          return named.rows as Row[];
        } catch (error) {
          // A server whose connections share one session (the embedded server, found before its
          // file was written; a transaction-mode pooler): names are dropped for good, and a
          // statement outside a transaction, which ran nothing, is sent again unnamed.
          const code = (error as { code?: string }).code;
          if (code !== "42P05" && code !== "26000") {
            throw error;
          }
          naming.on = false;
          if (client !== pool) {
            throw error;
          }
        }
      }
      const result = await client.query(withTimeout({ text, values: params }, queryTimeoutMs));
      return result.rows as Row[];
    },
    async transaction(fn, options = {}) {
      const session = await pool.connect();
      let broken: Error | undefined;
      try {
        await session.query("BEGIN");
        try {
          const result = await fn(executor(session, options.queryTimeoutMs));
          await session.query("COMMIT");
          return result;
        } catch (error) {
          await session.query("ROLLBACK").catch((rollback: Error) => {
            broken = rollback;
          });
          throw error;
        }
      } finally {
        // A connection that could not even roll back is not handed to the next caller.
        session.release(broken);
      }
    },
    async withSession(fn, options = {}) {
      const session = await pool.connect();
      try {
        return await fn(executor(session, options.queryTimeoutMs));
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
      // PGlite's own transaction holds its connection: no other query of this process runs inside it.
      transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
        return db.transaction(async (tx) => {
          const inside: SqlExecutor = {
            async exec(script) {
              await tx.exec(script);
            },
            async query<Row>(text: string, params: unknown[] = []) {
              return (await tx.query<Row>(text, params)).rows;
            },
            withSession: (inner) => inner(inside),
            transaction: (inner) => inner(inside),
          };
          return fn(inside);
        });
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
