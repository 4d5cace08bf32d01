import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase, testDatabaseKind } from "@spx/testkit/test-database";

/*
 * Nothing calls out: the gateway and every subgraph run as their own processes, as `npm start` runs
 * them, each with a recorder (tests/support/outbound-recorder.mjs) noting every connection attempt
 * and DNS lookup. After start-up, readiness, the landing page, writes that make one register ask
 * another through the graph, a query across all four registers and shutdown, every destination
 * must be a loopback address on a port this system was configured with, and no name but a loopback one
 * may have been looked up. The gateway is started with APOLLO_TELEMETRY_DISABLED=false, as an
 * operator might leave it: @apollo/gateway's exporter would then probe the cloud metadata
 * endpoints at once, which the control case shows the recorder catches.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RECORDER = path.join(root, "tests/support/outbound-recorder.mjs");
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost", "::ffff:127.0.0.1"]);
/** Names a process may resolve without going anywhere: loopback, and the any-address a UDP socket binds. */
const LOCAL_NAMES = new Set([...LOOPBACK, "0.0.0.0", "::"]);
/** Local services the system may be configured with (Redis, NATS, OTLP over HTTP and gRPC). */
const LOCAL_SERVICE_PORTS = [6379, 4222, 4318, 4317];
const SUBGRAPHS = [
  { name: "population", prefix: "POPULATION", dir: "subgraphs/population" },
  { name: "social-registry", prefix: "SOCIAL_REGISTRY", dir: "subgraphs/social-registry" },
  { name: "health-insurance", prefix: "HEALTH_INSURANCE", dir: "subgraphs/health-insurance" },
  { name: "direct-aid", prefix: "DIRECT_AID", dir: "subgraphs/direct-aid" },
] as const;

interface Recorded {
  pid: number;
  kind: "connect" | "lookup";
  host?: string;
  port?: number;
  path?: string;
  hostname?: string;
}

function readRecords(file: string): Recorded[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded);
}

/** Recorded attempts that leave this machine's loopback or go to a port nobody configured. */
function strayDestinations(records: Recorded[], allowedPorts: Set<number>): Recorded[] {
  return records.filter((r) =>
    r.kind === "lookup"
      ? !LOCAL_NAMES.has(r.hostname ?? "")
      : r.path === undefined && !(LOOPBACK.has(r.host ?? "") && allowedPorts.has(r.port ?? -1)),
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) {
    throw new Error("no port");
  }
  return address.port;
}

function startRecorded(script: string, env: Record<string, string>, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", RECORDER, script], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The environment every service gets: this one's PATH and HOME, nothing inherited from Apollo. */
function baseEnv(): Record<string, string> {
  // biome-ignore lint/style/noProcessEnv: the services run with a clean copy of this environment
  const { PATH = "", HOME = "" } = process.env;
  return { PATH, HOME, NODE_OPTIONS: "", LOG_LEVEL: "warn", DEMO_SEED: "false" };
}

const onPostgres = testDatabaseKind() === "postgres";

// Five processes on five PostgreSQL databases; on an embedded run (no PostgreSQL) five PGlite
// instances would need gigabytes of memory, so this runs where PostgreSQL does (CI, `npm test` here).
(onPostgres ? describe : describe.skip)("outbound connections", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-outbound-"));
  const recordFile = path.join(dataDir, "outbound.jsonl");
  const databases: TestDatabase[] = [];
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const allowedPorts = new Set<number>(LOCAL_SERVICE_PORTS);
  const subgraphPorts: number[] = [];
  let postgresPort = 0;
  let gatewayUrl = "";

  beforeAll(async () => {
    writeFileSync(recordFile, "");
    const env: Record<string, string> = {
      ...baseEnv(),
      DATA_DIR: dataDir,
      OUTBOUND_RECORD_FILE: recordFile,
      // As an operator might leave it: the gateway must turn its telemetry off all the same.
      APOLLO_TELEMETRY_DISABLED: "false",
    };
    const gatewayPort = await freePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    allowedPorts.add(gatewayPort);
    env.GATEWAY_PORT = String(gatewayPort);
    env.GATEWAY_URL = `${gatewayUrl}/graphql`;
    for (const subgraph of SUBGRAPHS) {
      const database = await createTestDatabase(`out_${subgraph.prefix.toLowerCase()}`);
      databases.push(database);
      const port = await freePort();
      allowedPorts.add(port);
      subgraphPorts.push(port);
      env[`${subgraph.prefix}_PORT`] = String(port);
      env[`${subgraph.prefix}_URL`] = `http://127.0.0.1:${port}/graphql`;
      env[`${subgraph.prefix}_DATABASE_URL`] = database.url ?? "";
    }
    const accessLog = await createTestDatabase("out_access_log");
    databases.push(accessLog);
    env.ACCESS_LOG_DATABASE_URL = accessLog.url ?? "";
    // The access log's witness, as `npm start` runs it: the gateway submits its checkpoints there.
    const witnessDatabase = await createTestDatabase("out_witness");
    databases.push(witnessDatabase);
    env.WITNESS_DATABASE_URL = witnessDatabase.url ?? "";
    const witnessPort = await freePort();
    allowedPorts.add(witnessPort);
    env.WITNESS_PORT = String(witnessPort);
    postgresPort = Number(new URL(accessLog.url ?? "").port || 5432);
    for (const database of databases) {
      allowedPorts.add(Number(new URL(database.url ?? "").port || 5432));
    }
    // The development keys are created once, before the services read them.
    execFileSync(
      process.execPath,
      [path.join(root, "gateway/dist/cli/token.js"), "--role", "SYSTEM", "--agency", "ANR"],
      { env, stdio: ["ignore", "pipe", "ignore"] },
    );
    for (const subgraph of SUBGRAPHS) {
      children.push(startRecorded(path.join(root, subgraph.dir, "dist/main.js"), env, output));
    }
    children.push(startRecorded(path.join(root, "witness/dist/main.js"), env, output));
    children.push(startRecorded(path.join(root, "gateway/dist/main.js"), env, output));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ready = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) {
        break;
      }
      if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
        throw new Error(`the system did not get ready:\n${output.join("")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }, 150_000);

  afterAll(async () => {
    await Promise.all(children.map(stopChild));
    for (const database of databases) {
      await database.drop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(root, "gateway/dist/cli/token.js"), ...args], {
      env: { ...baseEnv(), DATA_DIR: dataDir },
    })
      .toString()
      .trim();

  async function ask<Data>(bearer: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Data; errors?: { extensions?: { code?: string } }[] };
  }

  it("goes nowhere but the registers, the databases and the local services it is configured with", async () => {
    const anr = token("--agency", "ANR", "--role", "SYSTEM", "--purpose", "REGISTRATION");
    const address = { regionCode: "07", province: "Safi", commune: "Safi", milieu: "URBAN" };
    const registered = await ask<{ registerPerson: { person: { idcs: string } } }>(
      anr,
      `mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { person { idcs } } }`,
      {
        input: {
          cin: "ZZ990011",
          firstName: "Salma",
          lastName: "Outbound",
          firstNameAr: "سلمى",
          lastNameAr: "الطاهري",
          sex: "FEMALE",
          birthDate: "1980-02-03",
          birthPlace: "Safi",
          nationality: "MAR",
          residencyStatus: "CITIZEN",
          address,
          registrationCentre: "CSC Safi",
        },
      },
    );
    const idcs = registered.data?.registerPerson.person.idcs;
    expect(idcs).toMatch(/^\d{10}$/);
    // The social register asks the population register, through the gateway, whether the head lives.
    const household = await ask<{ registerHousehold: { household: { id: string } } }>(
      anr,
      `mutation($input: RegisterHouseholdInput!) { registerHousehold(input: $input) { household { id } } }`,
      { input: { headIdcs: idcs, members: [], address } },
    );
    expect(household.errors).toBeUndefined();
    const cw = token("--agency", "CNSS", "--role", "CASE_WORKER", "--region", "07", "--purpose", "CASE_MANAGEMENT");
    const person = await ask<{ person: { firstName: string; household: { id: string } | null } }>(
      cw,
      `query($i: ID!) { person(idcs: $i) { firstName healthCoverage { regime } household { id members { relationship } directAid { status } } } }`,
      { i: idcs },
    );
    expect(person.data?.person.firstName).toBe("Salma");
    expect(person.data?.person.household?.id).toBe(household.data?.registerHousehold.household.id);
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${gatewayUrl}/graphql`, { headers: { accept: "text/html" } })).status).toBe(200);

    // Shutdown is when an exporter would flush what it gathered.
    await Promise.all(children.map(stopChild));
    const records = readRecords(recordFile);
    const connected = new Set(records.filter((r) => r.kind === "connect").map((r) => r.port));
    // The recorder saw the traffic that had to happen: to every subgraph and to PostgreSQL.
    for (const port of [...subgraphPorts, postgresPort]) {
      expect(connected).toContain(port);
    }
    // Each stray attempt once, by where it went, so that a failure reads as a list of destinations.
    const stray = new Set(strayDestinations(records, allowedPorts).map((r) => r.hostname ?? `${r.host}:${r.port}`));
    expect([...stray]).toEqual([]);
  }, 120_000);
});

describe("the outbound recorder", () => {
  it("catches @apollo/gateway's telemetry when nothing turns it off", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spx-outbound-control-"));
    const file = path.join(dir, "outbound.jsonl");
    try {
      const script = path.join(dir, "control.mjs");
      writeFileSync(
        script,
        `import { createRequire } from "node:module";
         import { readFileSync } from "node:fs";
         const require = createRequire(${JSON.stringify(path.join(root, "gateway/package.json"))});
         const { ApolloGateway } = require("@apollo/gateway");
         new ApolloGateway({ supergraphSdl: readFileSync(${JSON.stringify(path.join(root, "schema/supergraph.graphql"))}, "utf8") });
         setTimeout(() => process.exit(0), 2000);`,
      );
      const control = startRecorded(script, { ...baseEnv(), OUTBOUND_RECORD_FILE: file }, []);
      await new Promise((resolve) => control.once("exit", resolve));
      const stray = strayDestinations(readRecords(file), new Set());
      // The cloud metadata endpoints (AWS/Azure 169.254.169.254, GCP metadata.google.internal, …).
      expect(stray.map((r) => r.host ?? r.hostname)).toEqual(expect.arrayContaining(["169.254.169.254"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
