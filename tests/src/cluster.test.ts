import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type Cluster, dropDatabases, REGISTERS, root, startCluster } from "../../scripts/cluster-system.mjs";
import { type Failure, PERSON_360, startLoad } from "./testkit/cluster-load.js";

/*
 * `npm run cluster` as an operator runs it: two replicas of the gateway and of each register, each
 * its own process, on PostgreSQL and Redis, behind HAProxy. Under steady load through the gateway
 * frontend, one replica of each kind is killed (SIGKILL) and restarted, then every replica is
 * restarted in turn (SIGTERM, as an orchestrator rolls a release). The clients must notice nothing:
 * no read fails (reads are not retried by the client: the system must), and every write, retried
 * by its client with the same idempotency key until answered, is applied exactly once.
 */

// biome-ignore lint/style/noProcessEnv: set by the test run's global setup
const server = process.env.SPX_TEST_POSTGRES_URL;
const prefix = `spx_cluster_test_${randomBytes(3).toString("hex")}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "spx-cluster-"));
const events: string[] = [];
let cluster: Cluster | undefined;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A development token from the token CLI, as the README shows. */
function token(...args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, "gateway/dist/cli/token.js"), ...args], {
    // biome-ignore lint/style/noProcessEnv: the CLI needs the cluster's DATA_DIR beside the usual environment
    env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: "development" },
    encoding: "utf8",
  }).trim();
}

async function ask(url: string, bearer: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

const running = (): Cluster => {
  if (!cluster) {
    throw new Error("the cluster did not start");
  }
  return cluster;
};

beforeAll(async () => {
  if (!server) {
    throw new Error("the cluster runs on PostgreSQL: set TEST_DATABASE_URL");
  }
  cluster = await startCluster({
    freePorts: true,
    databaseUrl: server,
    databasePrefix: prefix,
    redisUrl: "redis://127.0.0.1:6379/12",
    dataDir,
    output: "capture",
    log: (line) => events.push(line),
    env: { LOG_LEVEL: "warn", SHUTDOWN_GRACE_SECONDS: "5" },
  });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (server) {
    await dropDatabases(server, prefix);
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const summary = (failures: Failure[]) => {
  const counts = new Map<string, number>();
  for (const failure of failures) {
    const key = `${failure.kind} during ${failure.phase}: ${failure.what}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} × ${key}`);
};

test("no read fails and every write is applied once while replicas are killed and restarted", async () => {
  const system = running();
  const caseWorker = (n: number) =>
    token(
      "--agency",
      "ANSS",
      "--role",
      "CASE_WORKER",
      "--region",
      "02",
      "--purpose",
      "CASE_MANAGEMENT",
      "--sub",
      `dev:anss:cluster-${n}`,
    );
  const first = await ask(system.gatewayUrl, caseWorker(0), "{ persons(first: 8) { edges { node { idcs } } } }");
  const persons = (first.body.data as { persons: { edges: { node: { idcs: string } }[] } }).persons.edges.map(
    (edge) => edge.node.idcs,
  );
  expect(persons.length).toBe(8);
  // Every one of them is answered whole before the load begins: what fails later is the system's doing.
  for (const idcs of persons) {
    const answer = await ask(system.gatewayUrl, caseWorker(0), PERSON_360, { idcs });
    expect(answer).toMatchObject({ status: 200 });
    expect(answer.body.errors).toBeUndefined();
  }
  const load = startLoad({
    gatewayUrl: system.gatewayUrl,
    readTokens: [caseWorker(1), caseWorker(2), caseWorker(3)],
    writeToken: token("--agency", "ANR", "--role", "SYSTEM", "--purpose", "REGISTRATION"),
    persons,
    // Under each case worker's 10 requests a second, and light enough for two cores.
    readPauseMs: 150,
    writePauseMs: 200,
    runId: Date.now() % 100_000,
  });
  const phases: string[] = [];
  try {
    await pause(3_000);
    for (const kind of ["gateway", ...REGISTERS.map((r) => r.name)]) {
      const victim = system.replicas.find((r) => r.kind === kind);
      if (!victim) {
        throw new Error(`no replica of ${kind}`);
      }
      load.setPhase(`SIGKILL ${victim.name}`);
      phases.push(`SIGKILL ${victim.name}`);
      victim.signal("SIGKILL");
      await victim.exited();
      await pause(3_000);
      await victim.start();
      await system.inRotation(victim);
      await pause(1_000);
    }
    load.setPhase("rolling restart");
    phases.push("rolling restart");
    for (const replica of system.replicas) {
      replica.signal("SIGTERM");
      await replica.exited();
      await replica.start();
      // The next one goes only once the balancer sends this one requests again.
      await system.inRotation(replica);
    }
    load.setPhase("after");
    await pause(2_000);
  } finally {
    await load.stop();
  }
  const stats = await system.balancerStats();
  console.log(
    [
      `cluster under load: ${load.reads()} reads, ${load.writes.length} writes, phases: ${phases.join(", ")}`,
      ...summary(load.failures),
      `gateway fetches of a query asked again: ${
        system.replicas
          .filter((r) => r.kind === "gateway")
          .flatMap((r) => r.output().split("\n"))
          .filter((line) => line.includes("asking again with a fresh token")).length
      }`,
      ...stats
        .filter((s) => s.retries || s.redispatches || s.connectionErrors || s.responseErrors)
        .map(
          (s) =>
            `haproxy ${s.backend}/${s.server}: ${s.sessions} requests, ${s.retries} retries, ${s.redispatches} redispatches, ${s.connectionErrors} connection errors, ${s.responseErrors} response errors`,
        ),
    ].join("\n"),
  );

  expect(load.reads()).toBeGreaterThan(100);
  expect(load.failures.filter((f) => f.kind === "read")).toEqual([]);

  // Every write was answered, always with the same person, and is in the register exactly once.
  expect(load.writes.length).toBeGreaterThan(20);
  for (const write of load.writes) {
    expect({ key: write.key, answered: write.answers.length > 0 }).toEqual({ key: write.key, answered: true });
    expect(new Set(write.answers).size).toBe(1);
  }
  const population = new pg.Client({ connectionString: system.databases.population });
  await population.connect();
  try {
    const { rows } = await population.query<{ cin: string; idcs: string; n: string }>(
      "SELECT cin, min(idcs) AS idcs, count(*) AS n FROM person WHERE cin = ANY($1) GROUP BY cin",
      [load.writes.map((w) => w.cin)],
    );
    const stored = new Map(rows.map((row) => [row.cin, row]));
    for (const write of load.writes) {
      expect({
        cin: write.cin,
        rows: Number(stored.get(write.cin)?.n ?? 0),
        idcs: stored.get(write.cin)?.idcs,
      }).toEqual({ cin: write.cin, rows: 1, idcs: write.answers[0] });
    }
  } finally {
    await population.end();
  }
}, 300_000);

test("a subject's rate limit is counted across both gateway replicas (Redis)", async () => {
  const system = running();
  const gateways = system.replicas.filter((r) => r.kind === "gateway");
  expect(gateways.length).toBe(2);
  // A citizen may make 10 requests at once (burst) and 2 a second: alone, each replica would
  // accept 10 of 24 sent within a second or two, so 20 or more in all.
  const citizen = token("--role", "CITIZEN", "--idcs", "1062609475", "--purpose", "SELF_SERVICE");
  const statuses: number[] = [];
  for (let i = 0; i < 24; i++) {
    const replica = gateways[i % 2];
    const answer = await fetch(`${replica?.url}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${citizen}`, "content-type": "application/json" },
      body: JSON.stringify({ query: '{ person(idcs: "1062609475") { firstName } }' }),
    });
    await answer.text();
    statuses.push(answer.status);
  }
  const accepted = statuses.filter((s) => s === 200).length;
  expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  expect(accepted).toBeGreaterThanOrEqual(10);
  expect(accepted).toBeLessThanOrEqual(15);
  // Both replicas refused some: the budget one spent was spent for the other.
  expect(statuses.some((s, i) => i % 2 === 0 && s === 429)).toBe(true);
  expect(statuses.some((s, i) => i % 2 === 1 && s === 429)).toBe(true);
});

test("the access log written by both gateway replicas verifies intact", () => {
  const system = running();
  const result = spawnSync(process.execPath, [path.join(root, "gateway/dist/cli/audit-verify.js")], {
    // biome-ignore lint/style/noProcessEnv: the CLI reads the access log's URL beside the usual environment
    env: { ...process.env, ACCESS_LOG_DATABASE_URL: system.env.ACCESS_LOG_DATABASE_URL, DATA_DIR: dataDir },
    encoding: "utf8",
  });
  expect(result.stdout).toMatch(/^access log intact: \d+ entries/);
  expect(result.status).toBe(0);
  const entries = Number(/intact: (\d+) entries/.exec(result.stdout)?.[1]);
  expect(entries).toBeGreaterThan(100);
});
