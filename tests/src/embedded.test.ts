import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { loadEnv } from "@spx/gateway/env";
import { accessLogSigner } from "@spx/gateway/keys";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { postGraphQL } from "@spx/runtime/clients";
import { applyMigrations, type EmbeddedServer, openDatabase, startEmbeddedServer } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen } from "@spx/runtime/server";
import { createSubgraph } from "@spx/runtime/subgraph";
import { InternalTokenSigner, signInternalToken } from "@spx/runtime/tokens";
import { socialRegistry as socialRegistrySubgraph } from "@spx/social-registry/subgraph";
import pg from "pg";
import { accessEntry } from "./testkit/fixtures.js";

/** The population register's migrations, in the order they apply. */
const POPULATION_MIGRATIONS = [
  "20261122000000_init",
  "20261201200000_statistics_snapshot",
  "20261203100000_events",
  "20261203100001_events_order",
  "20261203101000_civil_status",
  "20261203106000_statistics_refresh_cost",
];

const SOCIAL_REGISTRY_MIGRATIONS = socialRegistrySubgraph.migrationsDir;
const auditVerify = fileURLToPath(new URL("../../gateway/dist/cli/audit-verify.js", import.meta.url));

// The default a new user gets: no database URL, one embedded PGlite under DATA_DIR that every
// register and the access log reach over the PostgreSQL protocol, each in its own schema.
describe("embedded database (one PGlite under DATA_DIR, served to every register)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-embedded-"));
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer({ dataDir, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("migrates, seeds the demo population, answers a query, and keeps its data across restarts", async () => {
    const key = InternalTokenSigner.generate();
    const start = (databaseUrl?: string) =>
      createSubgraph(populationSubgraph, {
        dataDir,
        databaseUrl,
        tokenKeys: key.keyringFor("population"),
        logger: createLogger("population", "silent"),
        demoSeed: true,
      });
    const app = await start(server.urlOf("population"));
    let seeded = 0;
    expect(app.database.kind).toBe("postgres");
    const http = await listen(app.handler, 0);
    try {
      const query = "{ persons(first: 3) { edges { node { idcs lastName } } } }";
      const token = signInternalToken(key, "population", {
        caller: { sub: "t", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" },
        requestId: "embedded",
        request: { query },
      });
      const { body } = await postGraphQL<{ persons: { edges: unknown[] } }>(
        `${http.url}/graphql`,
        { query },
        { authorization: `Bearer ${token}` },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.persons.edges).toHaveLength(3);
      const [counts] = await app.database.sql.query<{ total: number; minors: number; regions: number }>(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE legal_representative_idcs IS NOT NULL)::int AS minors,
                count(DISTINCT region_code)::int AS regions
         FROM person`,
      );
      expect(counts?.total).toBeGreaterThanOrEqual(2000);
      expect(counts?.minors).toBeGreaterThan(0);
      expect(counts?.regions).toBe(12);
      seeded = counts?.total ?? 0;
    } finally {
      await http.close();
      await app.close();
    }

    // The whole server restarts, as `npm start` does after Ctrl-C.
    await server.close();
    server = await startEmbeddedServer({ dataDir, port: 0 });
    // A second server on the same folder would silently lose writes: it is refused.
    await expect(startEmbeddedServer({ dataDir, port: 0 })).rejects.toThrow(/already open in process/);
    // No URL: a register run on its own finds the running server under DATA_DIR.
    const again = await start();
    try {
      expect(again.database.location).toBe(`postgresql://127.0.0.1:${server.port}/population`);
      const [row] = await again.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
      expect(row?.n).toBe(seeded);
    } finally {
      await again.close();
    }
  }, 180_000);

  it("applies each migration once and records it in Prisma's bookkeeping", async () => {
    const database = await openDatabase({ name: "migrations-check", url: server.urlOf("migrations-check"), dataDir });
    try {
      expect(await applyMigrations(database.sql, populationSubgraph.migrationsDir)).toEqual(POPULATION_MIGRATIONS);
      expect(await applyMigrations(database.sql, populationSubgraph.migrationsDir)).toEqual([]);
      const rows = await database.sql.query<{ migration_name: string; applied_steps_count: number }>(
        `SELECT migration_name, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL
         ORDER BY migration_name`,
      );
      expect(rows).toEqual(POPULATION_MIGRATIONS.map((name) => ({ migration_name: name, applied_steps_count: 1 })));
    } finally {
      await database.close();
    }
  });

  it("cuts off a client whose packets are malformed at once, and keeps serving the others", async () => {
    /** Sends raw bytes; resolves with what came back once the server closed the connection. */
    const send = (bytes: Buffer) =>
      new Promise<{ reply: string; ms: number }>((resolve, reject) => {
        const started = performance.now();
        let reply = "";
        const socket = connect(server.port, "127.0.0.1", () => socket.write(bytes));
        socket.on("data", (chunk: Buffer) => {
          reply += chunk.toString("latin1");
        });
        socket.on("close", () => resolve({ reply, ms: performance.now() - started }));
        socket.on("error", reject);
        setTimeout(() => reject(new Error(`still open; got ${JSON.stringify(reply)}`)), 3_000).unref();
      });
    const header = (length: number, code: number) => {
      const bytes = Buffer.alloc(8);
      bytes.writeInt32BE(length, 0);
      bytes.writeInt32BE(code, 4);
      return bytes;
    };
    const startup = Buffer.from("user\0postgres\0database\0population\0\0");
    const typed = (length: number) => {
      const bytes = Buffer.alloc(5);
      bytes.write("Q", 0);
      bytes.writeInt32BE(length, 1);
      return bytes;
    };
    const malformed = [
      // An SSL request declaring a length of 0 once made the server loop on it for ever.
      header(0, 80877103),
      header(4, 196608),
      header(1_000_000, 196608),
      Buffer.concat([header(8 + startup.length, 196608), startup, typed(-1)]),
      Buffer.concat([header(8 + startup.length, 196608), startup, typed(2)]),
      Buffer.concat([header(8 + startup.length, 196608), startup, typed(0x7fffffff)]),
    ];
    for (const bytes of malformed) {
      const { reply, ms } = await send(bytes);
      expect(reply).toContain("C08P01");
      expect(ms).toBeLessThan(1_000);
    }
    const database = await openDatabase({ name: "population", url: server.urlOf("population"), dataDir });
    try {
      expect(await database.sql.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });

  it("keeps registers apart: one register's connection cannot see or read another's tables", async () => {
    const population = await openDatabase({ name: "population-2", url: server.urlOf("population-2"), dataDir });
    const social = await openDatabase({ name: "social-registry", url: server.urlOf("social-registry"), dataDir });
    try {
      await applyMigrations(population.sql, populationSubgraph.migrationsDir);
      await applyMigrations(social.sql, SOCIAL_REGISTRY_MIGRATIONS);
      const [own] = await social.sql.query<{ household: string | null; person: string | null }>(
        "SELECT to_regclass('household')::text AS household, to_regclass('person')::text AS person",
      );
      expect(own).toEqual({ household: "household", person: null });
      // Named outright, the other register's table is refused, not served.
      await expect(social.sql.query("SELECT count(*) FROM population_2.person")).rejects.toMatchObject({
        code: "42501",
      });
      await expect(population.sql.query("SELECT count(*) FROM social_registry.household")).rejects.toMatchObject({
        code: "42501",
      });
      // Each has its own bookkeeping, so `prisma migrate status` of one says nothing of the other.
      const names = await population.sql.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(names.map((row) => row.migration_name)).toEqual(POPULATION_MIGRATIONS);
    } finally {
      await population.close();
      await social.close();
    }
  }, 60_000);

  it("never interleaves two services' transactions: a rollback takes back its own rows only", async () => {
    const setup = new pg.Client(server.urlOf("ledger"));
    await setup.connect();
    await setup.query("CREATE TABLE IF NOT EXISTS entry (service TEXT NOT NULL, n INT NOT NULL)");
    await setup.end();
    const first = new pg.Client(server.urlOf("ledger"));
    const second = new pg.Client(server.urlOf("ledger"));
    await Promise.all([first.connect(), second.connect()]);
    try {
      const finished: string[] = [];
      const work = async (client: pg.Client, service: string, outcome: "COMMIT" | "ROLLBACK", begun?: () => void) => {
        await client.query("BEGIN");
        begun?.();
        for (let n = 0; n < 25; n++) {
          await client.query("INSERT INTO entry (service, n) VALUES ($1, $2)", [service, n]);
          // Let the other client's statements arrive meanwhile.
          await new Promise((resolve) => setImmediate(resolve));
        }
        const [seen] = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM entry")).rows;
        await client.query(outcome);
        finished.push(service);
        return seen?.n;
      };
      let firstBegun = () => {};
      const begun = new Promise<void>((resolve) => {
        firstBegun = resolve;
      });
      const committed = work(first, "kept", "COMMIT", firstBegun);
      await begun;
      // Asked while the first transaction is open: it runs once that one has committed.
      const rolledBack = work(second, "taken-back", "ROLLBACK");
      const [committedSaw, rolledBackSaw] = await Promise.all([committed, rolledBack]);
      expect(finished).toEqual(["kept", "taken-back"]);
      // The first saw its own 25 rows only; the second the first's committed 25 and its own.
      expect(committedSaw).toBe(25);
      expect(rolledBackSaw).toBe(50);
      const rows = (
        await first.query<{ service: string; n: number }>(
          "SELECT service, count(*)::int AS n FROM entry GROUP BY service",
        )
      ).rows;
      expect(rows).toEqual([{ service: "kept", n: 25 }]);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  }, 60_000);

  it("rolls back what a client that went away left open, and lets the others on", async () => {
    const quitter = new pg.Client(server.urlOf("ledger-2"));
    quitter.on("error", () => {});
    await quitter.connect();
    await quitter.query("CREATE TABLE IF NOT EXISTS entry (n INT NOT NULL)");
    await quitter.query("BEGIN");
    await quitter.query("INSERT INTO entry VALUES (1)");
    const waiting = new pg.Client(server.urlOf("ledger-2"));
    await waiting.connect();
    try {
      const count = waiting.query<{ n: number }>("SELECT count(*)::int AS n FROM entry");
      (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      expect((await count).rows[0]?.n).toBe(0);
    } finally {
      await waiting.end();
    }
  });

  it("answers each of two busy pools' parameterised queries with its own result, as its own register", async () => {
    const pools = ["pool-a", "pool-b"].map((name) => new pg.Pool({ connectionString: server.urlOf(name), max: 5 }));
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, async (_, n) => {
          const pool = pools[n % 2] as pg.Pool;
          const { rows } = await pool.query<{ n: number; who: string }>("SELECT $1::int AS n, current_user AS who", [
            n,
          ]);
          return rows[0];
        }),
      );
      expect(answers).toEqual(Array.from({ length: 200 }, (_, n) => ({ n, who: n % 2 ? "pool_b" : "pool_a" })));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("runs a statement the access log prepares by name on every connection of a busy pool", async () => {
    // The server runs every connection on one PGlite session: a name prepared by one connection
    // exists for the next, so the embedded path sends it unnamed (npm start answered
    // ACCESS_LOG_UNAVAILABLE once a second connection appended).
    // Found from DATA_DIR, or given its URL as `npm start` gives every service.
    for (const url of [undefined, server.urlOf("prepared")]) {
      const database = await openDatabase({ name: "prepared", url, dataDir, poolSize: 4 });
      try {
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, n) =>
            database.sql.transaction(async (tx) => {
              const [row] = await tx.query<{ n: number }>("SELECT $1::int AS n", [n], "spx_test_prepared");
              return row?.n;
            }),
          ),
        );
        expect(answers).toEqual(Array.from({ length: 40 }, (_, n) => n));
      } finally {
        await database.close();
      }
    }
  });

  it("ends a client left idle inside its transaction, so that it cannot stop the others", async () => {
    const stuck = new pg.Client({
      connectionString: server.urlOf("ledger-3"),
      idle_in_transaction_session_timeout: 300,
    });
    const ended = new Promise<Error>((resolve) => stuck.on("error", resolve));
    await stuck.connect();
    await stuck.query("CREATE TABLE IF NOT EXISTS entry (n INT NOT NULL)");
    await stuck.query("BEGIN");
    await stuck.query("INSERT INTO entry VALUES (1)");
    const other = new pg.Client(server.urlOf("ledger-3"));
    await other.connect();
    try {
      const { rows } = await other.query<{ n: number }>("SELECT count(*)::int AS n FROM entry");
      expect(rows[0]?.n).toBe(0);
      expect((await ended).message).toMatch(/idle-in-transaction timeout/);
    } finally {
      await other.end();
    }
  });

  it("lets `npm run audit:verify` read the access log while the system runs, with no URL given", async () => {
    const accessLog = await openDatabase({ name: "access-log", url: server.urlOf("access-log"), dataDir });
    try {
      await applyMigrations(accessLog.sql, ACCESS_LOG_MIGRATIONS);
      const entry = (n: number) => accessEntry({ requestId: `request-${n}`, subject: "embedded-test" });
      expect(await new AccessLogStore(accessLog.sql).append([entry(1), entry(2)])).toBe(2);
      // Sequenced and signed with the development log key under DATA_DIR, which the command reads too.
      const settings = loadEnv({ DATA_DIR: dataDir });
      await new Sequencer({
        sql: accessLog.sql,
        signer: await accessLogSigner(settings),
        origin: settings.accessLogOrigin,
        intervalMs: 60_000,
        checkpointIntervalMs: 60_000,
        logger: createLogger("test", "silent"),
      }).flush();
      // biome-ignore lint/style/noProcessEnv: the command runs as a user runs it, with their environment
      const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: "" };
      delete env.ACCESS_LOG_DATABASE_URL;
      const { stdout } = await promisify(execFile)(process.execPath, [auditVerify], { env });
      expect(stdout).toMatch(/access log intact: 2 entries .*tree of 2 leaves, 1 checkpoints/);
    } finally {
      await accessLog.close();
    }
  }, 60_000);
});
