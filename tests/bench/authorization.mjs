// What the gateway's authorization costs: the README's cross-programme query, at fixed concurrency,
// against two gateways over the SAME four subgraphs and data on PostgreSQL: one enforcing the
// policy (GATEWAY_AUTHORIZATION=filter, the default) and one without its own check (off; the
// subgraphs still enforce theirs). Rounds alternate between the two so that drift hits both.
//
//   npm run bench:authorization [-- --duration 15 --connections 10 --rounds 3]
//
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "15" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const duration = Number(options.duration);
const connections = Number(options.connections);
const rounds = Number(options.rounds);
const server = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const subgraphs = JSON.parse(readFileSync(path.join(root, "schema/subgraphs.json"), "utf8"));
const BASE_PORT = 4600;
const ports = { filter: BASE_PORT, off: BASE_PORT + 9 };

const databaseUrl = (name) => {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
};

async function recreateDatabases() {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    for (const subgraph of subgraphs) {
      const name = `spx_bench_${subgraph.name.replace("-", "_")}`;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      subgraph.databaseUrl = databaseUrl(name);
    }
  } finally {
    await admin.end();
  }
}

const children = [];
function start(script, env) {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}
function stopAll() {
  for (const child of children) {
    child.kill("SIGTERM");
  }
}
process.on("exit", stopAll);

async function ready(url, timeoutMs = 180_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) {
        return;
      }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} not ready`);
}

const PERSON_360 = `query Person360($idcs: ID!) { person(idcs: $idcs) { idcs firstName lastName address { regionCode }
  healthCoverage { regime role payer status }
  household { members { relationship person { firstName } } socioEconomicIndex { score modelVersion }
    eligibility { program eligible threshold } eligibilityExplanation(program: DIRECT_AID) { summary }
    directAid { status monthlyEntitlement { amount currency components { reason amount } } payments(last: 3) { month amount status } } } } }`;

function load(url, token, body, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const dataDir = mkdtempSync(path.join(tmpdir(), "spx-bench-"));
try {
  await recreateDatabases();
  const common = { DATA_DIR: dataDir, HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development" };
  const urls = {};
  subgraphs.forEach((subgraph, i) => {
    const port = BASE_PORT + 1 + i;
    urls[`${subgraph.envPrefix}_URL`] = `http://127.0.0.1:${port}/graphql`;
    start(path.join(root, subgraph.directory, "dist/main.js"), {
      ...common,
      [`${subgraph.envPrefix}_PORT`]: String(port),
      [`${subgraph.envPrefix}_DATABASE_URL`]: subgraph.databaseUrl,
      GATEWAY_URL: `http://127.0.0.1:${ports.filter}/graphql`,
      DEMO_SEED: "true",
    });
  });
  for (const [mode, port] of Object.entries(ports)) {
    start(path.join(root, "gateway/dist/main.js"), {
      ...common,
      ...urls,
      GATEWAY_PORT: String(port),
      GATEWAY_AUTHORIZATION: mode,
    });
  }
  await Promise.all(Object.values(ports).map((port) => ready(`http://127.0.0.1:${port}/readyz`)));

  // A head of household in both programmes, asked about by a case worker of their region.
  const amo = new pg.Client({ connectionString: subgraphs.find((s) => s.name === "health-insurance").databaseUrl });
  const asd = new pg.Client({ connectionString: subgraphs.find((s) => s.name === "direct-aid").databaseUrl });
  await Promise.all([amo.connect(), asd.connect()]);
  const enrolled = new Set((await asd.query("SELECT household_id FROM enrolment")).rows.map((r) => r.household_id));
  const { rows } = await amo.query(
    "SELECT household_id, principal_idcs, region_code FROM affiliation WHERE regime = 'AMO_TADAMON' ORDER BY household_id",
  );
  await Promise.all([amo.end(), asd.end()]);
  const subject = rows.find((r) => enrolled.has(r.household_id));
  const mint = (...args) =>
    execFileSync(process.execPath, [path.join(root, "gateway/dist/cli/token.js"), ...args, "--ttl", "3600"], {
      env: { ...process.env, ...common },
      encoding: "utf8",
    }).trim();
  const body = JSON.stringify({ query: PERSON_360, variables: { idcs: subject.principal_idcs } });
  const scenarios = [
    {
      name: "ANSS case worker of the region: nothing refused",
      token: mint("--agency", "ANSS", "--role", "CASE_WORKER", "--region", subject.region_code),
      check: (answer) => !answer.errors && answer.data?.person?.household?.directAid,
    },
    {
      name: "CNSS system: address, members, index, explanation and aid refused",
      token: mint("--agency", "CNSS", "--role", "SYSTEM"),
      check: (answer) =>
        answer.data?.person?.healthCoverage && answer.errors?.every((e) => e.extensions?.code === "FORBIDDEN"),
    },
  ];
  const targets = Object.fromEntries(
    Object.entries(ports).map(([mode, port]) => [mode, `http://127.0.0.1:${port}/graphql`]),
  );
  const report = [];
  const lines = [];
  for (const scenario of scenarios) {
    for (const [mode, url] of Object.entries(targets)) {
      const response = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${scenario.token}`, "content-type": "application/json" },
        body,
      });
      const answer = await response.json();
      if (!scenario.check(answer)) {
        throw new Error(`${scenario.name}, ${mode}: unexpected answer ${JSON.stringify(answer).slice(0, 500)}`);
      }
      await load(url, scenario.token, body, 3);
    }
    const results = { filter: [], off: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ["filter", "off"] : ["off", "filter"]) {
        const r = await load(targets[mode], scenario.token, body, duration);
        results[mode].push({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx,
        });
      }
    }
    const summary = Object.fromEntries(
      Object.entries(results).map(([mode, runs]) => {
        const mean = (key) => runs.reduce((sum, run) => sum + run[key], 0) / runs.length;
        return [mode, { rps: mean("rps"), p50: mean("p50"), p99: mean("p99"), errors: mean("errors") * runs.length }];
      }),
    );
    const overhead = (1 - summary.filter.rps / summary.off.rps) * 100;
    report.push({ scenario: scenario.name, results, summary, overheadPercent: overhead });
    for (const [mode, label] of [
      ["filter", "on (filter)"],
      ["off", "off"],
    ]) {
      const m = summary[mode];
      lines.push(
        `| ${scenario.name} | ${label} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.errors} | ${mode === "filter" ? `${overhead.toFixed(1)}%` : ""} |`,
      );
    }
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const date = new Date().toISOString().slice(0, 10);
  const table = [
    `Cross-programme query (4 subgraphs, demo data on PostgreSQL), ${connections} connections, ${rounds} × ${duration} s per gateway, alternating; ${machine}; ${date}`,
    "",
    "| Caller | Gateway authorization | Requests/s | p50 (ms) | p99 (ms) | Errors | Throughput cost |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
    "",
    "Target: enforcement costs under 10% of throughput.",
  ].join("\n");
  console.log(`\n${table}\n`);
  const dir = path.join(root, "tests/bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${date}-authorization.md`), `# Authorization overhead\n\n${table}\n`);
  writeFileSync(
    path.join(dir, `${date}-authorization.json`),
    `${JSON.stringify({ date, machine, connections, duration, rounds, report }, null, 2)}\n`,
  );
} finally {
  stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}
