// CI smoke check: `npm start` from this clone on the embedded default (fresh DATA_DIR), then the
// README's token command and first query, /metrics on every service, a checkpoint the witness cosigned, `npm run audit:verify` while it runs, the edge as a
// citizen meets it (scripts/edge-smoke.mjs), the console in Chromium for its three users (scripts/console-smoke.mjs);
// Ctrl-C (SIGINT) must stop every process.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { consoleSmoke } from "./console-smoke.mjs";
import { edgeSmoke } from "./edge-smoke.mjs";

const dataDir = mkdtempSync(path.join(tmpdir(), "spx-smoke-"));
/**
 * Whether nothing listens on this port of 127.0.0.1 now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
const free = (port) =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
/**
 * Seven consecutive free ports from a random base: a random one alone could land on a service of
 * the machine (PostgreSQL's 5432, NATS's 4222, RabbitMQ's 5672 are all in the range).
 */
async function freePorts() {
  for (;;) {
    const base = 4000 + Math.floor(Math.random() * 1000) * 10;
    const ports = Array.from({ length: 7 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(free))).every(Boolean)) {
      return base;
    }
  }
}
const port = await freePorts();
/** @type {NodeJS.ProcessEnv} */
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  GATEWAY_PORT: String(port),
  POPULATION_PORT: String(port + 1),
  SOCIAL_REGISTRY_PORT: String(port + 2),
  HEALTH_INSURANCE_PORT: String(port + 3),
  DIRECT_AID_PORT: String(port + 4),
  EMBEDDED_DATABASE_PORT: String(port + 5),
  WITNESS_PORT: String(port + 6),
  // The witness fetches the log's checkpoints every second here (5 s by default).
  WITNESS_POLL_SECONDS: "1",
  LOG_LEVEL: "warn",
};
for (const name of Object.keys(env)) {
  if (name.endsWith("_DATABASE_URL")) {
    delete env[name];
  }
}
const base = `http://127.0.0.1:${port}`;
const started = Date.now();
const child = spawn("npm", ["start"], { env, stdio: ["ignore", "pipe", "inherit"], detached: true });
const rootPid = child.pid;
if (rootPid === undefined) {
  rmSync(dataDir, { recursive: true, force: true });
  console.error("smoke: npm start could not be started");
  process.exit(1);
}
let output = "";
child.stdout.on("data", (chunk) => {
  output += chunk;
});

/**
 * Resident memory of `rootPid` and all its descendants, in MB.
 * @param {number} rootPid
 */
function treeRssMb(rootPid) {
  /** @type {Map<number, number>} */
  const children = new Map();
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(Number(pid), ppid);
    } catch {}
  }
  let total = 0;
  /** @param {number} pid */
  const visit = (pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {}
    for (const [kid, parent] of children) {
      if (parent === pid) {
        visit(kid);
      }
    }
  };
  visit(rootPid);
  return Math.round(total / 1024);
}

/** @type {unknown} */
let failure = null;
try {
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`npm start exited early with ${child.exitCode}`);
    }
    if (Date.now() - started > 120_000) {
      // What npm start said last, so that the cause is in the CI log (its warnings go to stderr).
      throw new Error(`not ready within 120 s; npm start printed: ${output.slice(-1500)}`);
    }
    try {
      if (/ready in/.test(output) && (await fetch(`${base}/readyz`)).ok) {
        break;
      }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const readySeconds = ((Date.now() - started) / 1000).toFixed(1);
  const token = execFileSync(
    "npm",
    ["run", "-s", "token", "--", "--agency", "ANR", "--role", "SYSTEM", "--purpose", "REGISTRATION"],
    {
      env,
      encoding: "utf8",
    },
  ).trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new Error("the token command printed something other than one token");
  }
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: "{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }",
    }),
  });
  const body = /** @type {{ data?: { persons?: { edges?: unknown[] } } } | null} */ (await response.json());
  const people = body?.data?.persons?.edges ?? [];
  if (response.status !== 200 || people.length !== 3) {
    throw new Error(`unexpected answer ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  const unauthenticated = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  if (unauthenticated.status !== 401) {
    throw new Error(`a request without a token got ${unauthenticated.status}`);
  }
  // Every service serves Prometheus text at /metrics on its own port (README, "Metrics").
  for (const [offset, family] of [
    [0, "graphql_server_request_duration_seconds"],
    [1, "spx_sql_statements_total"],
    [2, "spx_sql_statements_total"],
    [3, "spx_sql_statements_total"],
    [4, "spx_sql_statements_total"],
  ]) {
    const metrics = await fetch(`http://127.0.0.1:${port + Number(offset)}/metrics`);
    const text = await metrics.text();
    if (metrics.status !== 200 || !text.includes("process_cpu_seconds_total") || !text.includes(String(family))) {
      throw new Error(`/metrics on port ${port + Number(offset)} answered ${metrics.status} without ${family}`);
    }
  }
  // The witness of the access log cosigns a checkpoint holding the reads above, and raised no alarm.
  const witness = `http://127.0.0.1:${port + 6}`;
  let cosigned = "";
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const answer = await fetch(`${witness}/checkpoint`);
    cosigned = await answer.text();
    if (answer.ok && /^\S+\n[1-9]\d*\n/.test(cosigned)) {
      break;
    }
    cosigned = "";
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const signatures = cosigned.split("\n").filter((line) => line.startsWith("\u2014 "));
  if (!signatures.some((line) => line.startsWith("\u2014 witness.cndp.localhost "))) {
    throw new Error("the witness cosigned no checkpoint of the access log within 30 s of the reads");
  }
  const alarms = await (await fetch(`${witness}/alarms`)).json();
  if (!Array.isArray(alarms) || alarms.length > 0) {
    throw new Error(`the witness raised alarms on an honest log: ${JSON.stringify(alarms).slice(0, 300)}`);
  }
  console.log(`smoke: witness cosigned the access log at size ${cosigned.split("\n")[1]}`);
  // The access log's chain, read while the system runs (through the embedded database's server).
  const audit = execFileSync("npm", ["run", "-s", "audit:verify"], { env, encoding: "utf8" });
  if (!/access log intact: [1-9]\d* entries/.test(audit)) {
    throw new Error(`audit:verify while running: ${audit.trim()}`);
  }
  const citizenToken = execFileSync(
    "npm",
    ["run", "-s", "token", "--", "--role", "CITIZEN", "--idcs", "1062609475", "--purpose", "SELF_SERVICE"],
    { env, encoding: "utf8" },
  ).trim();
  // The console, before the edge's smoke stops a register.
  const demo = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ person(idcs: "1062609475") { lastName address { regionCode } } }' }),
  });
  const demoBody = /** @type {{ data?: { person?: { lastName: string, address: { regionCode: string } } } }} */ (
    await demo.json()
  );
  const person = demoBody.data?.person;
  if (!person) {
    throw new Error("the demo person 1062609475 is not served");
  }
  console.log(
    `smoke: console: ${await consoleSmoke({ base, region: person.address.regionCode, lastName: person.lastName })}`,
  );
  console.log(`smoke: edge: ${await edgeSmoke({ base, citizenToken, rootPid })}`);
  console.log(
    `smoke: ready in ${readySeconds} s (first start), 3 persons served, RSS of all processes ${treeRssMb(rootPid)} MB`,
  );
} catch (error) {
  failure = error;
} finally {
  try {
    process.kill(-rootPid, "SIGINT");
  } catch {}
  const stopped = await Promise.race([
    new Promise((resolve) => child.once("exit", () => resolve(true))),
    new Promise((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  if (!stopped) {
    try {
      process.kill(-rootPid, "SIGKILL");
    } catch {}
    failure ??= new Error("processes still running 20 s after Ctrl-C");
  }
  rmSync(dataDir, { recursive: true, force: true });
}
if (failure) {
  console.error(`smoke: ${failure instanceof Error ? failure.message : String(failure)}`);
  process.exit(1);
}
