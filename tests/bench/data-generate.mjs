// The synthetic national population, loaded into each register's own PostgreSQL database for the
// benchmarks: the demo seed's generator (same families, households, index, AMO and direct-aid
// rules, deterministic from --seed) at any size, written through COPY, not row by row.
//
//   npm run data:generate -- --persons 1000000 [--seed 20221117] [--prefix spx_national]
//
// Databases (prefix spx_national by default): <prefix>_population, <prefix>_social_registry, <prefix>_health_insurance and
// <prefix>_direct_aid on BENCH_DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
// created when missing and migrated. A database that holds data this tool did not write is
// refused; one it wrote before is emptied and loaded again, in one transaction per database.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { aidRows, paidMonths } from "@spx/direct-aid/seed/seed-demo";
import { directAid } from "@spx/direct-aid/subgraph";
import { insuranceRows } from "@spx/health-insurance/seed/seed-demo";
import { healthInsurance } from "@spx/health-insurance/subgraph";
import { civilRows, personsOf } from "@spx/population/seed/seed-demo";
import { population } from "@spx/population/subgraph";
import { DEMO_SEED } from "@spx/reference/demo/demo-population";
import {
  applyMigrations,
  CopyFileWriter,
  loadCopyFiles,
  openDatabase,
  readMigrations,
  tableColumns,
} from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { Statistics } from "@spx/runtime/statistics";
import { scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import { registryRows } from "@spx/social-registry/seed/registry-rows";
import { socialRegistry } from "@spx/social-registry/subgraph";
import pg from "pg";
import { Progress } from "./progress.mjs";

// fileURLToPath, not the URL's pathname: a checkout path with a space or a non-ASCII letter is
// percent-encoded in the URL.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Which tables each register's generated data fills (parents first), and which it empties.
 * @type {Record<string, { load: string[], empty: string[] }>}
 */
const REGISTERS = {
  population: {
    // civil_rule is the migration's (the law's values), never generated nor emptied.
    load: ["person", "marriage", "filiation", "disability", "guardianship", "civil_status_record"],
    empty: ["idempotency_record", "statistics_snapshot"],
  },
  "social-registry": {
    load: ["household", "membership", "declaration", "index_computation", "reference_administrative_record"],
    empty: ["revision_request", "idempotency_record", "statistics_snapshot"],
  },
  "health-insurance": { load: ["affiliation", "coverage"], empty: ["idempotency_record", "statistics_snapshot"] },
  "direct-aid": {
    load: ["enrolment", "application", "payment_order"],
    empty: ["appeal", "payment_skip", "idempotency_record", "statistics_snapshot"],
  },
};
const MARKER = "spx_generated_data";

export class RefusedError extends Error {}

/**
 * The database of `subgraph` for `prefix` on `server`.
 * @param {string} server
 * @param {string} prefix
 * @param {string} subgraph
 */
export function generatedDatabaseUrl(server, prefix, subgraph) {
  const url = new URL(server);
  url.pathname = `/${prefix}_${subgraph.replace("-", "_")}`;
  return url.toString();
}

/**
 * @param {string} server
 * @param {string} url
 */
async function ensureDatabase(server, url) {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/** @typedef {Parameters<typeof applyMigrations>[0]} SqlExecutor */

/**
 * Runs migrations through a session with the runtime's SqlExecutor shape.
 * @param {pg.Client} client
 * @returns {SqlExecutor}
 */
function executor(client) {
  /** @type {SqlExecutor} */
  const sql = {
    exec: async (script) => void (await client.query(script)),
    query: async (text, params = []) => (await client.query(text, params)).rows,
    withSession: (fn) => fn(sql),
    transaction: async (fn) => {
      await client.query("BEGIN");
      try {
        const result = await fn(sql);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    },
  };
  return sql;
}

/** The registers' declarations, by subgraph name (their statistics come with their setup). */
const DEFINITIONS = {
  population,
  "social-registry": socialRegistry,
  "health-insurance": healthInsurance,
  "direct-aid": directAid,
};

/**
 * Computes every statistics snapshot of the loaded registers with the registers' own code (their
 * setup's declarations, the runtime's refresh), so that a process started on the data finds them
 * fresh and no first request pays for a scan. Returns each statistic's refresh time (ms).
 * @param {{ name: string, url: string }[]} registers
 */
export async function refreshSnapshots(registers) {
  const logger = createLogger("data-generate", "warn");
  /** @type {Record<string, number>} */
  const timings = {};
  for (const register of registers) {
    const definition = DEFINITIONS[/** @type {keyof typeof DEFINITIONS} */ (register.name)];
    const database = await openDatabase({ name: register.name, url: register.url, dataDir: "", poolSize: 2 });
    try {
      // No graph and no attestation key: setting up reads the register's reference data, nothing more.
      const setup = await definition.setup({ database, logger, options: /** @type {never} */ ({}) });
      try {
        const statistics = new Statistics({
          register: definition.name,
          sql: database.sql,
          declarations: setup.statistics ?? [],
          refreshSeconds: 60,
          refreshTimeoutMs: 3_600_000,
          logger,
        });
        for (const name of statistics.names) {
          const started = performance.now();
          await statistics.refresh(name, { force: true });
          timings[name] = Math.round(performance.now() - started);
        }
      } finally {
        // The register's own jobs (the notices schedules) stop before its client and database close.
        await setup.stop?.();
        await /** @type {{ $disconnect(): Promise<void> }} */ (setup.prisma).$disconnect();
      }
    } finally {
      await database.close();
    }
  }
  return timings;
}

/**
 * Whether a database may be migrated at all: it holds no tables, or only this register's (its
 * `_prisma_migrations` names none but the register's migrations). Another application's schema is
 * left untouched: migrating first and looking after would already have changed it.
 * @param {pg.Client} client
 * @param {string} migrationsDir
 */
async function ownSchema(client, migrationsDir) {
  const { rows: tables } = await client.query(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
  );
  if (tables.length === 0) {
    return true;
  }
  if (!tables.some((t) => t.name === "_prisma_migrations")) {
    return false;
  }
  const ours = new Set(readMigrations(migrationsDir).map((m) => m.name));
  const { rows: applied } = await client.query("SELECT DISTINCT migration_name AS name FROM _prisma_migrations");
  return applied.every((m) => ours.has(m.name));
}

/**
 * What a database holds: null when empty, the marker's row when generated, "foreign" otherwise.
 * @param {pg.Client} client
 * @param {string[]} tables
 * @returns {Promise<GeneratedData | "foreign" | null>}
 */
async function contents(client, tables) {
  const { rows: marker } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [MARKER]);
  const generated = marker[0]?.present ? (await client.query(`SELECT * FROM ${MARKER}`)).rows[0] : undefined;
  for (const table of tables) {
    const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM "${table}") AS some`);
    if (rows[0]?.some) {
      return generated ?? "foreign";
    }
  }
  return generated ?? null;
}

/**
 * Generates `persons` persons (with their households and programme records) from `seed` and loads
 * them into the registers' databases. Returns row counts and timings.
 * @param {object} options
 * @param {number} options.persons
 * @param {number} [options.seed]
 * @param {string} [options.prefix]
 * @param {string} options.server the PostgreSQL server's URL
 * @param {Date} [options.day]
 * @param {import("./progress.mjs").Progress["out"]} [options.log] where progress is drawn (none without)
 */
export async function generate({ persons, seed = DEMO_SEED, prefix = "spx_national", server, day = new Date(), log }) {
  // Everything is dated from the start of the day, so that a run later the same day gives the
  // very same rows.
  const today = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  /** @type {{ name: string, directory: string, local?: boolean }[]} */
  const listed = JSON.parse(readFileSync(path.join(root, "schema/subgraphs.json"), "utf8"));
  const registers = listed
    .filter((s) => !s.local)
    .map((subgraph) => {
      const tables = REGISTERS[subgraph.name];
      if (!tables) {
        throw new Error(`data:generate knows no tables of ${subgraph.name}`);
      }
      return { ...subgraph, ...tables, url: generatedDatabaseUrl(server, prefix, subgraph.name) };
    });
  const started = Date.now();
  /** @type {Map<string, pg.Client>} */
  const clients = new Map();
  /** @param {string} name */
  const clientOf = (name) => {
    const client = clients.get(name);
    if (!client) {
      throw new Error(`no connection to ${name}'s database`);
    }
    return client;
  };
  const scratch = mkdtempSync(path.join(tmpdir(), "spx-generate-"));
  try {
    for (const register of registers) {
      await ensureDatabase(server, register.url);
      const client = new pg.Client({ connectionString: register.url });
      await client.connect();
      clients.set(register.name, client);
      const migrations = path.join(root, register.directory, "prisma/migrations");
      const mine = await ownSchema(client, migrations);
      if (mine) {
        await applyMigrations(executor(client), migrations);
      }
      if (!mine || (await contents(client, [...register.load, ...register.empty])) === "foreign") {
        throw new RefusedError(
          `${new URL(register.url).pathname.slice(1)} holds data that data:generate did not write; refusing to replace it (use another --prefix or an empty database)`,
        );
      }
    }

    // 1. Generate every table's rows into COPY files, in one pass over the families.
    /** @type {Map<string, CopyFileWriter>} */
    const writers = new Map();
    /** @param {string} table */
    const writerOf = (table) => {
      const writer = writers.get(table);
      if (!writer) {
        throw new Error(`no COPY file for ${table}`);
      }
      return writer;
    };
    for (const register of registers) {
      const client = clientOf(register.name);
      // One query at a time per connection: first rows of several tables arrive together.
      /** @type {Promise<unknown>} */
      let lookups = Promise.resolve();
      /**
       * @param {string} table
       * @param {string[]} keys
       */
      const columnsOf = (table, keys) => {
        const columns = lookups.then(() => tableColumns(client, table, keys));
        lookups = columns.then(() => {});
        return columns;
      };
      for (const table of register.load) {
        writers.set(table, new CopyFileWriter(table, path.join(scratch, `${register.name}.${table}.copy`), columnsOf));
      }
    }
    // Most writes return nothing to wait for (see CopyFileWriter.write); the rest are awaited once
    // per household.
    /** @type {Promise<void>[]} */
    const waits = [];
    /**
     * @param {string} table
     * @param {object} row
     */
    const write = (table, row) => {
      // Every generated row is a plain record of the table's columns.
      const wait = writerOf(table).write(/** @type {Record<string, unknown>} */ (row));
      if (wait) {
        waits.push(wait);
      }
    };
    const months = paidMonths(today);
    const generation = new Progress("generate", persons, "persons", log);
    let produced = 0;
    let households = 0;
    for (const household of scoredDemoHouseholds({ seed, persons, today })) {
      for (const person of personsOf(household.family)) {
        write("person", person);
      }
      // The family's civil status, as the demo seed writes it (no events: the starting state).
      for (const [table, rows] of Object.entries(civilRows(household.family.civil))) {
        for (const row of rows) {
          write(table === "history" ? "civil_status_record" : table, row);
        }
      }
      produced += household.family.deceased.length + household.family.members.length;
      households++;
      const registry = registryRows(household, household.assessment, today);
      write("household", registry.household);
      for (const row of registry.memberships) {
        write("membership", row);
      }
      write("declaration", registry.declaration);
      write("index_computation", registry.index);
      for (const row of registry.records) {
        write("reference_administrative_record", row);
      }
      const insurance = insuranceRows(household, today);
      if (insurance) {
        write("affiliation", insurance.affiliation);
        for (const row of insurance.coverages) {
          write("coverage", row);
        }
      }
      const aid = aidRows(household, today, months);
      if (aid) {
        write("enrolment", aid.enrolment);
        write("application", aid.application);
        for (const row of aid.orders) {
          write("payment_order", row);
        }
      }
      if (waits.length > 0) {
        await Promise.all(waits.splice(0));
      }
      generation.update(produced);
    }
    await Promise.all([...writers.values()].map((w) => w.close()));
    generation.done(produced);

    // 2. Load each register's files: the four databases in parallel, each in one transaction.
    const totalBytes = [...writers.values()].reduce((sum, w) => sum + statSync(w.file).size, 0);
    const loading = new Progress("load", totalBytes, "bytes", log);
    let loaded = 0;
    const generatedAt = new Date();
    await Promise.all(
      registers.map((register) => {
        const client = clientOf(register.name);
        return loadCopyFiles(
          client,
          register.load.map((table) => writerOf(table).copyFile),
          {
            truncate: [...register.load, ...register.empty],
            onProgress: (bytes) => {
              loaded += bytes;
              loading.update(loaded);
            },
            finish: async () => {
              await client.query(
                `CREATE TABLE IF NOT EXISTS ${MARKER} (seed BIGINT NOT NULL, persons INTEGER NOT NULL, households INTEGER NOT NULL, as_of DATE NOT NULL, generated_at TIMESTAMPTZ NOT NULL)`,
              );
              await client.query(`DELETE FROM ${MARKER}`);
              await client.query(`INSERT INTO ${MARKER} VALUES ($1, $2, $3, $4, $5)`, [
                seed,
                produced,
                households,
                today.toISOString().slice(0, 10),
                generatedAt,
              ]);
            },
          },
        );
      }),
    );
    loading.done(totalBytes);
    const statistics = await refreshSnapshots(registers);
    return {
      persons: produced,
      statistics,
      households,
      rows: Object.fromEntries([...writers.values()].map((w) => [w.table, w.rows])),
      seconds: (Date.now() - started) / 1000,
      databases: Object.fromEntries(registers.map((r) => [r.name, r.url])),
    };
  } finally {
    await Promise.all([...clients.values()].map((client) => client.end().catch(() => {})));
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** @typedef {{ seed: string, persons: number, households: number, as_of: Date, generated_at: Date }} GeneratedData */

/**
 * The marker a generated database carries: { seed, persons, households, as_of }, or undefined.
 * @param {string} url
 * @returns {Promise<GeneratedData | undefined>}
 */
export async function generatedData(url) {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [MARKER]);
    return rows[0]?.present ? (await client.query(`SELECT * FROM ${MARKER}`)).rows[0] : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      persons: { type: "string", default: "100000" },
      seed: { type: "string", default: String(DEMO_SEED) },
      prefix: { type: "string", default: "spx_national" },
    },
  });
  const persons = Number(values.persons);
  const seed = Number(values.seed);
  if (!Number.isInteger(persons) || persons < 1 || !Number.isInteger(seed)) {
    console.error("usage: npm run data:generate -- --persons N [--seed S] [--prefix NAME]");
    process.exit(2);
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(values.prefix)) {
    console.error("--prefix: lower-case letters, digits and _ only");
    process.exit(2);
  }
  const server = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  try {
    const result = await generate({ persons, seed, prefix: values.prefix, server, log: process.stderr });
    console.log(
      `${result.persons} persons, ${result.households} households in ${result.seconds.toFixed(1)} s: ${Object.entries(
        result.rows,
      )
        .map(([table, n]) => `${table} ${n}`)
        .join(", ")}; statistics snapshots refreshed in ${Object.entries(result.statistics)
        .map(([name, ms]) => `${name} ${ms} ms`)
        .join(", ")}`,
    );
  } catch (error) {
    // A refused connection, or (with several addresses for localhost) an AggregateError of them.
    const refused = /** @param {unknown} e */ (e) =>
      /** @type {{ code?: unknown } | undefined} */ (e)?.code === "ECONNREFUSED" ||
      (e instanceof AggregateError && e.errors.some(refused));
    if (refused(error)) {
      const { hostname, port } = new URL(server);
      console.error(
        `data:generate loads PostgreSQL, and nothing answers at ${hostname}:${port || 5432} (set BENCH_DATABASE_URL)`,
      );
      process.exit(2);
    }
    console.error(error instanceof RefusedError ? `refused: ${error.message}` : error);
    process.exit(error instanceof RefusedError ? 3 : 1);
  }
}
