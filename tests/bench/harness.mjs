// What the gateway benchmarks share: fresh PostgreSQL databases, the four subgraphs with demo data
// and several gateway variants over them (each with its own env), the demo subject, tokens, and
// autocannon rounds alternating between the variants so that drift hits all of them alike.
// Not a test and not a benchmark by itself: tests/bench/authorization.mjs and access-log.mjs use it.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_AUDIENCE, DEV_ISSUER, devKeyFiles, loadOrCreateSigningKey, mintToken } from "@spx/runtime/tokens";
import autocannon from "autocannon";
import pg from "pg";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const server = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** The README's cross-programme query: one person as all four registers see them. */
export const PERSON_360 = `query Person360($idcs: ID!) { person(idcs: $idcs) { idcs firstName lastName address { regionCode }
  healthCoverage { regime role payer status }
  household { members { relationship person { firstName } } socioEconomicIndex { score modelVersion }
    eligibility { program eligible threshold } eligibilityExplanation(program: DIRECT_AID) { summary }
    directAid { status monthlyEntitlement { amount currency components { reason amount } } payments(last: 3) { month amount status } } } } }`;

/**
 * @typedef {object} Subgraph A register as schema/subgraphs.json lists it, with its database.
 * @property {string} name
 * @property {string} directory
 * @property {string} envPrefix
 * @property {boolean} [local] served by the gateway itself
 * @property {string} databaseUrl
 */
/** @typedef {Parameters<typeof mintToken>[1]} Caller the claims of an official's token */
/** @typedef {string | (() => string)} Token a token, or a source of tokens (see `inTurn`) */
/** @typedef {(count: number, caller: Caller) => Promise<() => string>} Officials */
/**
 * @typedef {object} GraphQLAnswer
 * @property {{ person?: Person360 | null, people?: unknown[] | null } | null} [data] what the checks look at
 * @property {{ message: string, extensions?: { code?: string } }[]} [errors]
 */
/** @typedef {{ healthCoverage?: unknown, household?: { directAid?: unknown } | null }} Person360 */
/** @typedef {(answer: GraphQLAnswer) => unknown} AnswerCheck truthy when the answer is the expected one */
/** @typedef {{ name: string, kind: "subgraph" | "gateway", pid: number | undefined }} ProcessInfo */
/**
 * @typedef {object} PeerSpec A gateway other than this one, as peers.mjs launches it.
 * @property {string} name
 * @property {string} command
 * @property {string[]} args
 * @property {Record<string, string | undefined>} env
 * @property {string} url
 * @property {string} readyUrl
 */
/** @typedef {{ dir: string, subgraphUrls: Record<string, string>, ports: Record<string, number> }} PeerOptions */
/**
 * @typedef {object} System What `withSystem` hands its body.
 * @property {Subgraph[]} subgraphs
 * @property {Record<string, string>} subgraphUrls
 * @property {Record<string, string>} targets each gateway's (and peer's) GraphQL URL by name
 * @property {Record<string, string>} common the environment every service gets
 * @property {(...args: string[]) => string} mint a token from the CLI
 * @property {Officials} officials
 * @property {() => Promise<unknown>} stop
 * @property {(name: string) => Promise<unknown>} stopOne
 * @property {ProcessInfo[]} processes
 */
/** @typedef {{ rps: number, p50: number, p99: number, errors: number, requests: number }} Summary */
/** @typedef {Summary & { cpuMs?: Record<string, number | null> }} Run */

/**
 * Command-line options, all numeric: `{ duration: 15 }` reads `--duration 15`; a default that is
 * an array reads a comma-separated list (`--connections 1,10`).
 * @template {Record<string, number | number[]>} D
 * @param {D} defaults
 * @returns {{ [K in keyof D]: D[K] extends number[] ? number[] : number }}
 */
export function benchOptions(defaults) {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(defaults).map(([name, value]) => [name, { type: "string", default: String(value) }]),
    ),
  });
  // The cast: parseArgs read exactly the options of `defaults`, each as a number or a list.
  return /** @type {{ [K in keyof D]: D[K] extends number[] ? number[] : number }} */ (
    Object.fromEntries(
      Object.entries(values).map(([name, value]) => {
        const numbers = String(value).split(",").map(Number);
        if (numbers.some((n) => !Number.isFinite(n) || n <= 0)) {
          throw new Error(`--${name} must be a positive number${Array.isArray(defaults[name]) ? " list" : ""}`);
        }
        return [name, Array.isArray(defaults[name]) ? numbers : numbers[0]];
      }),
    )
  );
}

/**
 * The URL of database `name` on the benchmark's PostgreSQL server.
 * @param {string} name
 */
export function databaseUrl(name) {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** @param {string[]} names */
async function recreateDatabases(names) {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    for (const name of names) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Runs one query on database `url` and returns its rows.
 * @param {string} url
 * @param {string} text
 * @param {unknown[]} [params]
 * @returns {Promise<Record<string, unknown>[]>}
 */
export async function queryDatabase(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
process.on("exit", () => {
  for (const child of children) {
    child.kill("SIGTERM");
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(130));
}

/**
 * Spawns `command args` (node by default) with `env` over this process's environment.
 * @param {string[]} args
 * @param {Record<string, string | undefined>} env
 */
function start(args, env, command = process.execPath, cwd = root) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/**
 * SIGTERM, then SIGKILL after `graceMs` (a profiled process needs time to write its profile).
 * @param {import("node:child_process").ChildProcess} child
 * @param {number} [graceMs]
 */
async function stop(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Resolves once `url` answers 2xx; rejects if `child` exits first or nothing answers in time.
 * @param {import("node:child_process").ChildProcess} child
 * @param {string} url
 */
async function ready(child, url, timeoutMs = 180_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: the process exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) {
        return;
      }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} not ready`);
}

/**
 * Starts the four subgraphs and one gateway per entry of `gateways` ({ name: env }) over them,
 * waits until all are ready, runs `body(system)`, and stops everything. By default the subgraphs
 * get fresh databases `spx_bench_<subgraph>` with demo data; `databases` ({ subgraph: url }) runs
 * them on existing data instead (the national generator's). `extraDatabases` are recreated too.
 * Gateways listen on basePort, basePort + 1, ...; subgraphs on basePort + 10 and up; `peers`, a
 * function of ({ dir, subgraphUrls, ports }) returning launch specs (tests/bench/peers.mjs), adds
 * other gateways on basePort + 20 and up. `subgraphEnv` goes to every subgraph. The local
 * subgraphs (served by the gateway itself) are skipped. A gateway's `nodeArgs` (e.g.
 * ["--cpu-prof"]) go to its node process, for profiling, and `subgraphNodeArgs` to every subgraph's. `system.processes` lists
 * { name, kind, pid } for memory readings.
 * @template T
 * @param {object} options
 * @param {number} options.basePort
 * @param {Record<string, Record<string, string | string[] | undefined> & { nodeArgs?: string[] }>} options.gateways
 *   each gateway's environment, and the node arguments it runs with
 * @param {string[]} [options.extraDatabases]
 * @param {Record<string, string>} [options.databases]
 * @param {Record<string, string>} [options.subgraphEnv]
 * @param {string[]} [options.subgraphNodeArgs]
 * @param {(options: PeerOptions) => Promise<PeerSpec[]>} [options.peers]
 * @param {string[]} [options.peerNames]
 * @param {string} [options.systemRoot]
 * @param {string} [options.databasePrefix]
 * @param {(system: System) => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withSystem(
  {
    basePort,
    gateways,
    extraDatabases = [],
    databases,
    subgraphEnv = {},
    subgraphNodeArgs = [],
    peers,
    peerNames = [],
    systemRoot = root,
    databasePrefix = "spx_bench",
  },
  body,
) {
  /** @type {Omit<Subgraph, "databaseUrl">[]} */
  const listed = JSON.parse(readFileSync(path.join(systemRoot, "schema/subgraphs.json"), "utf8"));
  /** @type {Subgraph[]} */
  const subgraphs = listed
    .filter((subgraph) => !subgraph.local)
    .map((subgraph) => ({
      ...subgraph,
      databaseUrl: databases?.[subgraph.name] ?? databaseUrl(`${databasePrefix}_${subgraph.name.replace("-", "_")}`),
    }));
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-bench-"));
  /** @type {{ name: string, kind: "subgraph" | "gateway", child: import("node:child_process").ChildProcess, readyz: string, graceMs?: number }[]} */
  const processes = [];
  try {
    await recreateDatabases([
      ...(databases ? [] : subgraphs.map((s) => new URL(s.databaseUrl).pathname.slice(1))),
      ...extraDatabases,
    ]);
    const common = { DATA_DIR: dataDir, HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development" };
    const targets = Object.fromEntries(
      Object.keys(gateways).map((name, i) => [name, `http://127.0.0.1:${basePort + i}/graphql`]),
    );
    /** @type {Record<string, string>} */
    const urls = {};
    /** @type {Record<string, string>} */
    const subgraphUrls = {};
    subgraphs.forEach((subgraph, i) => {
      const port = basePort + 10 + i;
      urls[`${subgraph.envPrefix}_URL`] = `http://127.0.0.1:${port}/graphql`;
      subgraphUrls[subgraph.name] = `http://127.0.0.1:${port}/graphql`;
      const child = start(
        [...subgraphNodeArgs, path.join(systemRoot, subgraph.directory, "dist/main.js")],
        {
          ...common,
          [`${subgraph.envPrefix}_PORT`]: String(port),
          [`${subgraph.envPrefix}_DATABASE_URL`]: subgraph.databaseUrl,
          GATEWAY_URL: Object.values(targets)[0],
          DEMO_SEED: databases ? "false" : "true",
          ...subgraphEnv,
        },
        process.execPath,
        systemRoot,
      );
      processes.push({
        name: subgraph.name,
        kind: "subgraph",
        child,
        readyz: `http://127.0.0.1:${port}/readyz`,
        graceMs: subgraphNodeArgs.length ? 120_000 : undefined,
      });
    });
    Object.entries(gateways).forEach(([name, { nodeArgs, ...variables }], i) => {
      // Everything but nodeArgs is an environment variable's value.
      const env = /** @type {Record<string, string | undefined>} */ (variables);
      const child = start(
        [...(nodeArgs ?? []), path.join(systemRoot, "gateway/dist/main.js")],
        {
          ...common,
          ...urls,
          ...env,
          GATEWAY_PORT: String(basePort + i),
        },
        process.execPath,
        systemRoot,
      );
      processes.push({
        name,
        kind: "gateway",
        child,
        readyz: `http://127.0.0.1:${basePort + i}/readyz`,
        graceMs: nodeArgs?.length ? 120_000 : undefined,
      });
    });
    if (peers) {
      const ports = Object.fromEntries(peerNames.map((name, i) => [name, basePort + 20 + i]));
      const specs = await peers({ dir: dataDir, subgraphUrls, ports });
      for (const spec of specs) {
        const child = start(spec.args, { ...common, ...spec.env }, spec.command);
        targets[spec.name] = spec.url;
        processes.push({ name: spec.name, kind: "gateway", child, readyz: spec.readyUrl });
      }
    }
    await Promise.all(processes.map(({ child, readyz }) => ready(child, readyz)));
    // Without --ttl the CLI mints the longest the catalogue allows the grant (1 h; 15 min for citizens).
    /** @param {string[]} args */
    const mint = (...args) =>
      execFileSync(process.execPath, [path.join(systemRoot, "gateway/dist/cli/token.js"), ...args], {
        env: { ...process.env, ...common },
        encoding: "utf8",
      }).trim();
    // Tokens of many officials of one grant (distinct subjects), minted here rather than by the CLI:
    // one official at benchmark rates would be refused by the catalogue's per-subject rate limits,
    // and a thousand CLI runs would take minutes.
    /** @type {Officials} */
    const officials = async (count, caller) => {
      const key = await loadOrCreateSigningKey(devKeyFiles(dataDir).issuer);
      const tokens = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          mintToken(
            key,
            { ...caller, sub: `${caller.sub}:${i}` },
            { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE, ttlSeconds: 3600 },
          ),
        ),
      );
      return inTurn(tokens);
    };
    const stopAll = () => Promise.all(processes.map(({ child, graceMs }) => stop(child, graceMs)));
    /** @param {string} name */
    const stopOne = (name) =>
      Promise.all(processes.filter((p) => p.name === name).map(({ child, graceMs }) => stop(child, graceMs)));
    return await body({
      subgraphs,
      subgraphUrls,
      targets,
      common,
      mint,
      officials,
      stop: stopAll,
      stopOne,
      processes: processes.map(({ name, kind, child }) => ({ name, kind, pid: child.pid })),
    });
  } finally {
    await Promise.all(processes.map(({ child, graceMs }) => stop(child, graceMs)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const AGENCY_BATCH = `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime role status } } }`;

/**
 * The two scenarios the edge and compare benchmarks measure, with a system's own tokens: the
 * README's cross-programme query by the region's case workers (person-360), and CNSS's batch of
 * 100 persons (agency-batch).
 * @param {Pick<System, "subgraphs" | "officials">} system
 * @returns {Promise<{ name: string, body: string, token: Token, check: AnswerCheck }[]>}
 */
export async function edgeScenarios({ subgraphs, officials }) {
  const subject = await demoSubject(subgraphs);
  const population = databaseOf(subgraphs, "population");
  const batch = (await queryDatabase(population, "SELECT idcs FROM person ORDER BY idcs LIMIT 100")).map((r) => r.idcs);
  return [
    {
      name: "person-360: ANSS case workers of the region",
      body: JSON.stringify({ query: PERSON_360, variables: { idcs: subject.principal_idcs } }),
      ...(await caseWorkerOf(subject, officials)),
    },
    {
      name: "agency-batch: CNSS system, 100 persons a request",
      body: JSON.stringify({ query: AGENCY_BATCH, variables: { idcs: batch } }),
      // A system is one subject: its per-subject rate (500/s in the catalogue) is above this load.
      token: await officials(1, { sub: "bench:cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" }),
      check: (answer) => !answer.errors && answer.data?.people?.length === batch.length,
    },
  ];
}

/**
 * The database URL of subgraph `name`.
 * @param {Subgraph[]} subgraphs
 * @param {string} name
 */
function databaseOf(subgraphs, name) {
  const subgraph = subgraphs.find((s) => s.name === name);
  if (!subgraph) {
    throw new Error(`no subgraph ${name} in schema/subgraphs.json`);
  }
  return subgraph.databaseUrl;
}

/** @typedef {{ household_id: string, principal_idcs: string, region_code: NonNullable<Caller["region"]> }} DemoSubject */

/**
 * A head of household covered by AMO Tadamon and enrolled in direct aid.
 * @param {Subgraph[]} subgraphs
 * @returns {Promise<DemoSubject>}
 */
export async function demoSubject(subgraphs) {
  /** @param {string} name */
  const url = (name) => databaseOf(subgraphs, name);
  const [enrolments, affiliations] = await Promise.all([
    queryDatabase(url("direct-aid"), "SELECT household_id FROM enrolment"),
    queryDatabase(
      url("health-insurance"),
      "SELECT household_id, principal_idcs, region_code FROM affiliation WHERE regime = 'AMO_TADAMON' ORDER BY household_id",
    ),
  ]);
  const enrolled = new Set(enrolments.map((r) => r.household_id));
  const subject = affiliations.find((r) => enrolled.has(r.household_id));
  if (!subject) {
    throw new Error("no demo household both in AMO Tadamon and in direct aid");
  }
  // The query's columns: see the SELECT above.
  return /** @type {DemoSubject} */ (subject);
}

/**
 * The case worker of the subject's region asking the cross-programme query: a token for them, and
 * the check that the whole answer came back (nothing refused).
 * @param {DemoSubject} subject
 * @param {Officials} officials
 * @returns {Promise<{ token: Token, check: AnswerCheck }>}
 */
export async function caseWorkerOf(subject, officials) {
  return {
    token: await officials(CASE_WORKERS, {
      sub: "bench:anss:cw",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject.region_code,
      purpose: "CASE_MANAGEMENT",
    }),
    check: (answer) => !answer.errors && answer.data?.person?.household?.directAid,
  };
}

/**
 * How many case workers share a scenario's load: enough that each stays within an official's
 * request rate and persons per hour over a whole run, as a region's case workers would.
 */
export const CASE_WORKERS = 1000;

/**
 * Each call gives the next of `tokens`, round and round: one request per official in turn.
 * @param {string[]} tokens
 * @returns {() => string}
 */
export function inTurn(tokens) {
  let next = 0;
  return () => tokens[next++ % tokens.length] ?? "";
}

/**
 * The token of one request: a token, or a source of tokens (see `inTurn`).
 * @param {Token} token
 */
export const bearer = (token) => (typeof token === "function" ? token() : token);

/**
 * autocannon requests carrying each its own token (and body, when `nextBody` is given).
 * @param {Token | undefined} token
 * @param {() => string} [nextBody]
 * @returns {import("autocannon").RequestSpec[]}
 */
function requestsWithTokens(token, nextBody) {
  return [
    {
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, ...(token ? { authorization: `Bearer ${bearer(token)}` } : {}) },
        ...(nextBody ? { body: nextBody() } : {}),
      }),
    },
  ];
}

/**
 * POSTs `body` once and throws unless `check(answer)` holds.
 * @param {string} label
 * @param {string} url
 * @param {Token} token
 * @param {string} body
 * @param {AnswerCheck} check
 */
export async function expectAnswer(label, url, token, body, check) {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer(token)}`, "content-type": "application/json" },
    body,
  });
  const answer = /** @type {GraphQLAnswer} */ (await response.json());
  if (!check(answer)) {
    throw new Error(`${label}: unexpected answer (${response.status}) ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer;
}

/**
 * Throws unless every target ({ name: url }) answers `body` as `check` expects.
 * @param {string} label
 * @param {Record<string, string>} targets
 * @param {Token} token
 * @param {string} body
 * @param {AnswerCheck} check
 */
export async function expectAnswers(label, targets, token, body, check) {
  for (const [name, url] of Object.entries(targets)) {
    await expectAnswer(`${label}, ${name}`, url, token, body, check);
  }
}

/**
 * One scenario on every target: each must answer it as expected, all are warmed up on it, then
 * measured in alternating rounds (see `alternate`).
 * @param {object} options
 * @param {string} options.label
 * @param {Record<string, string>} options.targets
 * @param {Token} options.token
 * @param {string} options.body
 * @param {AnswerCheck} options.check
 * @param {number} options.rounds
 * @param {number} options.duration
 * @param {number} options.connections
 * @param {Pick<ProcessInfo, "name" | "pid">[]} [options.cpuOf]
 */
export async function measureScenario({ label, targets, token, body, check, rounds, duration, connections, cpuOf }) {
  await expectAnswers(label, targets, token, body, check);
  await warmUp({ targets, token, body, connections });
  return alternate({ targets, token, body, rounds, duration, connections, cpuOf });
}

/**
 * One autocannon run: `connections` connections POSTing `body` for `seconds`.
 * @param {string} url
 * @param {Token | undefined} token
 * @param {string} body
 * @param {number} seconds
 * @param {number} connections
 * @returns {Promise<import("autocannon").Result>}
 */
export function load(url, token, body, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        connections,
        duration: seconds,
        headers: { "content-type": "application/json" },
        body,
        requests: requestsWithTokens(token),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * The `q`-th quantile (0..1) of ascending `sorted`.
 * @param {number[]} sorted
 * @param {number} q
 */
export function quantile(sorted, q) {
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return value === undefined ? Number.NaN : Math.round(value * 10) / 10;
}

/**
 * Fixed-concurrency load where each request may differ: `nextBody()` gives the body of every
 * request (a random person, a fresh idempotency key). Answers with GraphQL `errors` count as
 * errors, as do socket errors and non-2xx answers. Returns requests/s, p50/p95/p99 (ms, from every
 * response time), errors and requests; `latencies`, when given, receives every response time too
 * (to pool several runs).
 * @param {object} options
 * @param {string} options.url
 * @param {Token | undefined} options.token
 * @param {() => string} options.nextBody
 * @param {number} options.seconds
 * @param {number} options.connections
 * @param {number[]} [options.latencies]
 * @returns {Promise<{ rps: number, p50: number, p95: number, p99: number, errors: number, requests: number }>}
 */
export function measure({ url, token, nextBody, seconds, connections, latencies }) {
  return new Promise((resolve, reject) => {
    /** @type {number[]} */
    const times = [];
    const instance = autocannon(
      {
        url,
        method: "POST",
        connections,
        duration: seconds,
        // Statistics over a million persons take seconds under load: slow is measured, not dropped.
        timeout: 60,
        headers: { "content-type": "application/json" },
        requests: requestsWithTokens(token, nextBody),
        verifyBody: (body) => !body.includes('"errors"'),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        times.sort((a, b) => a - b);
        resolve({
          rps: result.requests.total / (result.duration || seconds),
          p50: quantile(times, 0.5),
          p95: quantile(times, 0.95),
          p99: quantile(times, 0.99),
          errors: result.errors + result.non2xx + (result.mismatches ?? 0),
          requests: result.requests.total,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      times.push(responseTime);
      latencies?.push(responseTime);
    });
  });
}

/**
 * Resident memory of process `pid` now (VmRSS), in MiB; undefined once it is gone.
 * @param {number | undefined} pid
 */
export function residentMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/<pid>/stat's times on Linux

/** @typedef {Map<number, { name: string, parent: number, cpuMs: number }>} ProcessTable */

/**
 * Every process's parent and the user + system CPU milliseconds it has used, from /proc.
 * @returns {ProcessTable}
 */
function processTable() {
  /** @type {ProcessTable} */
  const table = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: fields are counted after it.
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      table.set(Number(entry), {
        name: stat.slice(stat.indexOf("(") + 1, close),
        parent: Number(fields[1]),
        // Its own user and system time, and that of its children once they ended (a PostgreSQL
        // backend that closes mid-run is counted in the postmaster's): the sum never goes back.
        cpuMs:
          ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) /
          CLOCK_TICKS_PER_SECOND,
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return table;
}

/**
 * CPU milliseconds of a process and all its descendants (a gateway may fork workers).
 * @param {ProcessTable} table
 * @param {number | undefined} pid
 */
function treeCpuMs(table, pid) {
  let total = 0;
  for (const [candidate, info] of table) {
    for (let at = candidate, seen = 0; at > 1 && seen < 64; at = table.get(at)?.parent ?? 0, seen++) {
      if (at === pid) {
        total += info.cpuMs;
        break;
      }
    }
  }
  return total;
}

/**
 * CPU used during a run by each named process (with its children) and by PostgreSQL (all its
 * processes on this machine): where a request's cost goes, which throughput alone cannot tell.
 * Linux only; elsewhere every figure is null.
 * @param {Pick<ProcessInfo, "name" | "pid">[]} processes
 */
export function watchCpu(processes) {
  const read = () => {
    const table = processTable();
    const figures = Object.fromEntries(processes.map((p) => [p.name, treeCpuMs(table, p.pid)]));
    figures.postgres = [...table.values()]
      .filter((info) => info.name.startsWith("postgres"))
      .reduce((sum, info) => sum + info.cpuMs, 0);
    return figures;
  };
  const available = process.platform === "linux";
  const before = available ? read() : undefined;
  return {
    /**
     * CPU milliseconds per request in each process over the run.
     * @param {number} requests
     * @returns {Record<string, number | null>}
     */
    stop(requests) {
      const after = available ? read() : undefined;
      return Object.fromEntries(
        [...processes.map((p) => p.name), "postgres"].map((name) => [
          name,
          before && after && requests > 0 ? Math.max(0, (after[name] ?? 0) - (before[name] ?? 0)) / requests : null,
        ]),
      );
    },
  };
}

/**
 * Samples the processes' memory every 250 ms until `stop()`, which returns each one's peak (MiB).
 * @param {Pick<ProcessInfo, "name" | "pid">[]} processes
 */
export function watchMemory(processes) {
  /** @type {Record<string, number>} */
  const peaks = Object.fromEntries(processes.map((p) => [p.name, 0]));
  const sample = () => {
    for (const p of processes) {
      peaks[p.name] = Math.max(peaks[p.name] ?? 0, residentMiB(p.pid) ?? 0);
    }
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/**
 * Brings every target to a steady state before anything is measured: JIT-compiled paths, warm
 * connection pools and database caches. Three seconds were not enough (the first measured rounds
 * ran 30-50% slower than the last, which skewed whichever target went first), so each target gets
 * `seconds` at `connections` and at 1 connection, twice over, in turn.
 * @param {object} options
 * @param {Record<string, string>} options.targets
 * @param {Token | undefined} options.token
 * @param {string} options.body
 * @param {number} [options.seconds]
 * @param {number} options.connections
 */
export async function warmUp({ targets, token, body, seconds = 10, connections }) {
  for (let pass = 0; pass < 2; pass++) {
    for (const url of Object.values(targets)) {
      await load(url, token, body, seconds / 2, connections);
      await load(url, token, body, seconds / 4, 1);
    }
  }
}

/**
 * `rounds` runs of `duration` seconds against each target ({ name: url }), in turn, the order
 * reversed every other round; with `cpuOf` (processes), each run also records their CPU time over
 * that run alone. Returns each round's figures and their summary per target: the median
 * over rounds of requests/s, p50 and p99 (ms), so that one round disturbed by the machine does not
 * move the figure, and the total errors (socket errors and non-2xx answers) and requests.
 * @param {object} options
 * @param {Record<string, string>} options.targets
 * @param {Token | undefined} options.token
 * @param {string} options.body
 * @param {number} options.rounds
 * @param {number} options.duration
 * @param {number} options.connections
 * @param {Pick<ProcessInfo, "name" | "pid">[]} [options.cpuOf]
 * @returns {Promise<{ results: Record<string, Run[]>, summary: Record<string, Summary> }>}
 */
export async function alternate({ targets, token, body, rounds, duration, connections, cpuOf }) {
  const names = Object.keys(targets);
  /** @type {Record<string, Run[]>} */
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const cpu = cpuOf ? watchCpu(cpuOf) : undefined;
      const r = await load(/** @type {string} */ (targets[name]), token, body, duration, connections);
      results[name]?.push({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: r.errors + r.non2xx,
        requests: r.requests.total,
        // CPU milliseconds of each process watched (and PostgreSQL) over this run alone.
        ...(cpu ? { cpuMs: cpu.stop(1) } : {}),
      });
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, runs]) => {
      /** @param {keyof Summary} key */
      const median = (key) => medianOf(runs.map((run) => run[key]));
      /** @param {keyof Summary} key */
      const total = (key) => runs.reduce((sum, run) => sum + run[key], 0);
      return [
        name,
        {
          rps: median("rps"),
          p50: median("p50"),
          p99: median("p99"),
          errors: total("errors"),
          requests: total("requests"),
        },
      ];
    }),
  );
  return { results, summary };
}

/**
 * `record[name]`, which the caller knows is there (a gateway it started, a figure it measured).
 * @template V
 * @param {Record<string, V>} record
 * @param {string} name
 * @returns {V}
 */
export function entry(record, name) {
  const value = record[name];
  if (value === undefined) {
    throw new Error(`no ${name} among ${Object.keys(record).join(", ")}`);
  }
  return value;
}

/**
 * The median of `values` (NaN when there are none).
 * @param {number[]} values
 */
export function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return sorted.length === 0 || value === undefined ? Number.NaN : value;
}

/**
 * `12.3%`
 * @param {number} value
 */
export const percent = (value) => `${value.toFixed(1)}%`;

/**
 * The figures of one summary line: requests/s | p50 | p99 | errors (n/a for a target not measured).
 * @param {Summary | undefined} m
 */
export const figures = (m) =>
  m ? `${m.rps.toFixed(0)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.errors}` : "n/a | n/a | n/a | n/a";

export const machine = () =>
  `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB`;

export const today = () => new Date().toISOString().slice(0, 10);

/**
 * Prints `table` and writes tests/bench/results/<date>-<name>.md (under `title`) and .json (`data`).
 * @param {string} name
 * @param {string} title
 * @param {string} table
 * @param {Record<string, unknown>} data
 */
export function writeResults(name, title, table, data) {
  console.log(`\n${table}\n`);
  const date = today();
  const dir = path.join(root, "tests/bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${date}-${name}.md`), `# ${title}\n\n${table}\n`);
  writeFileSync(
    path.join(dir, `${date}-${name}.json`),
    `${JSON.stringify({ date, machine: machine(), ...data }, null, 2)}\n`,
  );
}
