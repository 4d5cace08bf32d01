import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/*
 * The national data generator (npm run data:generate), run as a user runs it, on a small size:
 * every register's database filled through COPY, the registers agreeing with each other, the same
 * seed giving the same rows, and a database holding data it did not write left alone.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// The PostgreSQL server the test run chose (tests/jest/global-setup.js); none on an embedded run.
// biome-ignore lint/style/noProcessEnv: set by the test run's global setup
const postgres = process.env.SPX_TEST_POSTGRES_URL;
const server = postgres ?? "postgresql://postgres@127.0.0.1:1/postgres";
const prefix = `spx_gen_${process.pid}`;
const REGISTERS = ["population", "social_registry", "health_insurance", "direct_aid"] as const;
type Register = (typeof REGISTERS)[number];

function urlOf(register: Register, name = prefix): string {
  const url = new URL(server);
  url.pathname = `/${name}_${register}`;
  return url.toString();
}

function generateData(
  persons: number,
  name = prefix,
  target = server,
  extra: string[] = [],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(root, "tests/bench/data-generate.mjs"), "--persons", String(persons), "--prefix", name, ...extra],
      // biome-ignore lint/style/noProcessEnv: the generator runs as a user runs it, with their environment
      { env: { ...process.env, BENCH_DATABASE_URL: target, NODE_OPTIONS: "" } },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

async function query<Row extends pg.QueryResultRow>(register: Register, text: string, name = prefix): Promise<Row[]> {
  const client = new pg.Client({ connectionString: urlOf(register, name) });
  await client.connect();
  try {
    return (await client.query<Row>(text)).rows;
  } finally {
    await client.end();
  }
}

async function dropDatabases(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    for (const register of REGISTERS) {
      await admin.query(`DROP DATABASE IF EXISTS ${name}_${register} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * A fingerprint of what a register holds: rows per table and a hash over their generated content
 * (columns the database fills with the time of the load left out).
 */
async function fingerprint(register: Register, tables: string[]): Promise<string[]> {
  const rows = await Promise.all(
    tables.map(async (table) => {
      const columns = await query<{ column_name: string }>(
        register,
        `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}'
          AND coalesce(column_default, '') NOT ILIKE '%CURRENT_TIMESTAMP%' AND coalesce(column_default, '') NOT ILIKE '%now()%'
          ORDER BY ordinal_position`,
      );
      const row = `concat_ws('|', ${columns.map((c) => `"${c.column_name}"`).join(", ")})`;
      return query<{ n: string; digest: string }>(
        register,
        `SELECT count(*) AS n, md5(string_agg(md5(${row}), '' ORDER BY md5(${row}))) AS digest FROM "${table}"`,
      );
    }),
  );
  return rows.map(([row], i) => `${tables[i]}:${row?.n}:${row?.digest}`);
}

const other = `${prefix}_foreign`;
const application = `${prefix}_app`;

afterAll(async () => {
  if (postgres) {
    await dropDatabases(prefix);
    await dropDatabases(other);
    await dropDatabases(application);
  }
});

// The generator loads PostgreSQL only (COPY): on an embedded run (no server, a laptop) these are
// reported as skipped, and what a user without a server sees is checked instead. CI always has one.
const withPostgres = postgres ? test : test.skip;

test("says clearly that it needs PostgreSQL when none answers", async () => {
  const result = await generateData(100, prefix, "postgresql://postgres@127.0.0.1:1/postgres");
  expect(result.code).toBe(2);
  expect(result.output).toMatch(/loads PostgreSQL, and nothing answers at 127\.0\.0\.1:1/);
});

withPostgres(
  "generates every register's data through COPY, consistent across registers and the same for the same seed",
  async () => {
    const first = await generateData(3000);
    expect(first.output).toMatch(/\d+ persons, \d+ households in/);
    expect(first.code).toBe(0);

    const [[people]] = await Promise.all([
      query<{ n: string; alive: string; foreign: string; minors: string }>(
        "population",
        `SELECT count(*) AS n, count(*) FILTER (WHERE life_status = 'ALIVE') AS alive,
              count(*) FILTER (WHERE residency_status = 'FOREIGN_RESIDENT') AS foreign,
              count(*) FILTER (WHERE birth_date > now() - interval '18 years') AS minors FROM person`,
      ),
    ]);
    expect(Number(people?.n)).toBeGreaterThanOrEqual(3000);
    expect(Number(people?.alive)).toBeLessThan(Number(people?.n));
    expect(Number(people?.minors)).toBeGreaterThan(0);

    // Every member of a household, every insured person and every aid beneficiary is registered.
    const registered = new Set(
      (await query<{ idcs: string }>("population", "SELECT idcs FROM person")).map((r) => r.idcs),
    );
    const members = await query<{ person_idcs: string }>("social_registry", "SELECT person_idcs FROM membership");
    const covered = await query<{ person_idcs: string }>("health_insurance", "SELECT person_idcs FROM coverage");
    const paid = await query<{ beneficiary_idcs: string; months: string }>(
      "direct_aid",
      "SELECT beneficiary_idcs, count(*) AS months FROM payment_order GROUP BY beneficiary_idcs",
    );
    expect(members.length).toBeGreaterThan(0);
    expect(covered.length).toBeGreaterThan(0);
    expect(paid.length).toBeGreaterThan(0);
    for (const idcs of [...members.map((r) => r.person_idcs), ...covered.map((r) => r.person_idcs)]) {
      expect(registered.has(idcs)).toBe(true);
    }
    for (const row of paid) {
      expect(registered.has(row.beneficiary_idcs)).toBe(true);
    }
    // A year of payments per enrolled household (fewer only where the schedule began later).
    expect(Math.max(...paid.map((r) => Number(r.months)))).toBe(12);

    // Indices fall on both sides of both thresholds (9.3264284 Tadamon, 9.743001 direct aid).
    const [bands] = await query<{ tadamon: string; between: string; above: string }>(
      "social_registry",
      `SELECT count(*) FILTER (WHERE score <= 9.3264284) AS tadamon,
            count(*) FILTER (WHERE score > 9.3264284 AND score <= 9.743001) AS between,
            count(*) FILTER (WHERE score > 9.743001) AS above FROM index_computation`,
    );
    expect(Number(bands?.tadamon)).toBeGreaterThan(0);
    expect(Number(bands?.between)).toBeGreaterThan(0);
    expect(Number(bands?.above)).toBeGreaterThan(0);
    const regimes = await query<{ regime: string }>("health_insurance", "SELECT DISTINCT regime FROM affiliation");
    expect(regimes.map((r) => r.regime).sort()).toEqual(["AMO_ACHAMIL", "AMO_SALARIED", "AMO_TADAMON", "AMO_TNS"]);

    // Indexes and foreign keys dropped for the load are back.
    const [indexes] = await query<{ n: string }>(
      "social_registry",
      "SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'membership' AND indexname <> 'membership_pkey'",
    );
    expect(Number(indexes?.n)).toBeGreaterThan(0);
    const [foreignKeys] = await query<{ n: string }>(
      "health_insurance",
      "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND conrelid = 'coverage'::regclass",
    );
    expect(Number(foreignKeys?.n)).toBe(1);

    // Run again with the same seed, by one worker thread and by three (the default is one per
    // core): the data it wrote is replaced by the very same rows.
    const tables = {
      population: ["person"],
      social_registry: ["household", "membership", "declaration", "index_computation"],
      health_insurance: ["affiliation", "coverage"],
      direct_aid: ["enrolment", "application", "payment_order"],
    } satisfies Record<Register, string[]>;
    const before = await Promise.all(REGISTERS.map((r) => fingerprint(r, tables[r])));
    const alone = await generateData(3000, prefix, server, ["--workers", "1"]);
    expect(alone.code).toBe(0);
    expect(await Promise.all(REGISTERS.map((r) => fingerprint(r, tables[r])))).toEqual(before);
    const three = await generateData(3000, prefix, server, ["--workers", "3"]);
    expect(three.code).toBe(0);
    expect(await Promise.all(REGISTERS.map((r) => fingerprint(r, tables[r])))).toEqual(before);
  },
);

withPostgres("refuses a database that holds data the generator did not write, and leaves it as it was", async () => {
  // A register with data of its own: the generator's tables, written by someone else.
  const first = await generateData(500, other);
  expect(first.code).toBe(0);
  const client = new pg.Client({ connectionString: urlOf("population", other) });
  await client.connect();
  try {
    await client.query("DROP TABLE spx_generated_data");
    const [{ n }] = (await client.query<{ n: string }>("SELECT count(*) AS n FROM person")).rows as [{ n: string }];
    const refused = await generateData(800, other);
    expect(refused.code).toBe(3);
    expect(refused.output).toMatch(/holds data that data:generate did not write/);
    const [after] = (await client.query<{ n: string }>("SELECT count(*) AS n FROM person")).rows;
    expect(after?.n).toBe(n);
  } finally {
    await client.end();
  }
});

withPostgres("refuses another application's database before migrating anything into it", async () => {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${application}_population WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${application}_population`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: urlOf("population", application) });
  await client.connect();
  try {
    // A table of the same name, someone else's: a migration would have failed on it, or added to it.
    await client.query("CREATE TABLE person (idcs text PRIMARY KEY, note text)");
    await client.query("INSERT INTO person VALUES ('1234567890', 'theirs')");
    const refused = await generateData(300, application);
    expect(refused.code).toBe(3);
    expect(refused.output).toMatch(/holds data that data:generate did not write/);
    const tables = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((t) => t.name)).toEqual(["person"]);
    expect((await client.query("SELECT idcs, note FROM person")).rows).toEqual([
      { idcs: "1234567890", note: "theirs" },
    ]);
  } finally {
    await client.end();
  }
});
