import { population as populationSubgraph } from "@spx/population/subgraph";
import { idcsFromBody } from "@spx/reference/idcs";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { type Database, DEFAULT_DATABASE_TIMEOUTS, openDatabase, transientCondition } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import { type AppOf, createSubgraph } from "@spx/runtime/subgraph";
import { InternalTokenSigner, signInternalToken } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import pg from "pg";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";
import { startTcpProxy, type TcpProxy } from "./testkit/tcp-proxy.js";

/*
 * A register whose PostgreSQL accepts connections but never answers (a TCP proxy that stops
 * forwarding): the register answers REGISTER_BUSY within its database timeouts, never hangs.
 */

const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const QUERY = `query($idcs: ID!) { person(idcs: $idcs) { idcs firstName } }`;

let testDb: TestDatabase;
let proxy: TcpProxy;
let database: Database;
let app: AppOf<typeof populationSubgraph>;
let server: RunningServer;
let key: InternalTokenSigner;
let direct: string;

beforeAll(async () => {
  testDb = await createTestDatabase("db_timeouts", populationSubgraph.migrationsDir);
  if (!testDb.url) {
    throw new Error("this test needs PostgreSQL");
  }
  direct = testDb.url;
  const target = new URL(direct);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxied = new URL(direct);
  proxied.port = String(proxy.port);
  // The defaults, as every register runs with them.
  database = await openDatabase({ name: "population", url: proxied.toString(), dataDir: "", poolSize: 2 });
  key = InternalTokenSigner.generate();
  app = await createSubgraph(populationSubgraph, {
    database,
    dataDir: "",
    tokenKeys: key.keyringFor("population"),
    logger: createLogger("population", "silent"),
    demoSeed: false,
  });
  server = await listen(app.handler, 0);
}, 60_000);

afterAll(async () => {
  proxy?.thaw();
  await server?.close();
  await app?.close();
  await database?.close();
  await proxy?.close();
  await testDb?.drop();
});

async function ask() {
  // Well formed, and nobody's: the register must read its database to say so.
  const variables = { idcs: idcsFromBody("123456789") };
  const token = signInternalToken(key, "population", {
    caller: { ...registrar, purpose: defaultPurpose(registrar) },
    requestId: "db-timeouts",
    request: { query: QUERY, variables },
  });
  const started = performance.now();
  const response = await postGraphQL<{ person: unknown }>(
    `${server.url}/graphql`,
    { query: QUERY, variables },
    { authorization: `Bearer ${token}` },
  );
  return { body: response.body, ms: performance.now() - started };
}

describe("a register's database", () => {
  it("runs every session with the configured server-side timeouts", async () => {
    const [settings] = await database.sql.query<Record<string, string>>(
      `SELECT (SELECT setting FROM pg_settings WHERE name = 'statement_timeout') AS statement,
              (SELECT setting FROM pg_settings WHERE name = 'lock_timeout') AS lock,
              (SELECT setting FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout') AS idle`,
    );
    // pg_settings gives milliseconds, whatever unit SHOW would print.
    expect(settings).toEqual({
      statement: String(DEFAULT_DATABASE_TIMEOUTS.statementMs),
      lock: String(DEFAULT_DATABASE_TIMEOUTS.lockMs),
      idle: String(DEFAULT_DATABASE_TIMEOUTS.idleInTransactionMs),
    });
  });

  it("cancels a statement that runs too long, as a transient condition", async () => {
    const started = performance.now();
    const error = await database.sql.query("SELECT pg_sleep(10)").catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(DEFAULT_DATABASE_TIMEOUTS.queryMs);
    expect(transientCondition(error)).toBe("57014");
  });

  it("survives its connections being killed by the server", async () => {
    const admin = new pg.Client({ connectionString: direct });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
    } finally {
      await admin.end();
    }
    // The idle clients' 'error' events did not end this process, and the pool connects anew.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { body } = await ask();
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ person: null });
  });

  it("answers REGISTER_BUSY within its timeouts when PostgreSQL stops answering", async () => {
    expect((await ask()).body.errors).toBeUndefined();
    proxy.freeze();
    try {
      // A connection from the pool: the statement is sent and never answered (client-side query
      // timeout; the statement may have run, so no promise that nothing was done).
      const pooled = await ask();
      expect(pooled.ms).toBeLessThan(DEFAULT_DATABASE_TIMEOUTS.queryMs + 500);
      expect(pooled.body.errors?.[0]?.extensions).toMatchObject({
        code: "REGISTER_BUSY",
        retryable: true,
        outcome: "UNKNOWN",
      });
      // That connection is gone; a new one is accepted but never set up (connection timeout).
      const fresh = await ask();
      expect(fresh.ms).toBeLessThan(DEFAULT_DATABASE_TIMEOUTS.queryMs + 500);
      expect(fresh.body.errors?.[0]?.extensions).toMatchObject({ code: "REGISTER_BUSY", retryable: true });
      expect(fresh.body.errors?.[0]?.extensions?.outcome).toBeUndefined();
      expect(fresh.body.errors?.[0]?.message).toContain("did nothing");
      console.info(
        `REGISTER_BUSY with a frozen database: ${pooled.ms.toFixed(0)} ms (pooled connection), ${fresh.ms.toFixed(0)} ms (new connection)`,
      );
    } finally {
      proxy.thaw();
    }
  }, 20_000);
});

describe("through the gateway", () => {
  let system: RunningSystem | undefined;
  let frozen: TcpProxy | undefined;

  afterAll(async () => {
    frozen?.thaw();
    await system?.stop();
    await frozen?.close();
  });

  it("a client is told REGISTER_BUSY, not a gateway timeout, when a register's PostgreSQL stops answering", async () => {
    system = await startSystem({
      label: "db_timeouts_gateway",
      populationDatabase: async (url) => {
        const target = new URL(url);
        frozen = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
        target.port = String(frozen.port);
        return openDatabase({ name: "population", url: target.toString(), dataDir: "", poolSize: 2 });
      },
    });
    const token = await system.token(registrar);
    const variables = { idcs: idcsFromBody("123456789") };
    expect((await system.query(token, QUERY, variables)).body.errors).toBeUndefined();
    frozen?.freeze();
    const started = performance.now();
    const { body } = await system.query(token, QUERY, variables);
    const ms = performance.now() - started;
    // Inside the gateway's 3 s for the call: the register's own answer reaches the client.
    expect(ms).toBeLessThan(3_000);
    expect(body.errors?.[0]).toMatchObject({
      path: ["person"],
      extensions: { code: "REGISTER_BUSY", retryable: true, serviceName: "population" },
    });
    console.info(`REGISTER_BUSY through the gateway with a frozen database: ${ms.toFixed(0)} ms`);
  }, 120_000);
});
