// The side-by-side benchmark on national-scale data: the same four subgraphs and the same
// generated data (npm run data:generate) behind several gateways, driven at fixed concurrency by
// autocannon from this process, scenario by scenario, the gateways alternating:
//
//   full            this gateway: authentication, policy (filter), the access log and the edge
//                   (operation limits, demand control, rate limits) on
//   full-no-edge    the same with the edge off (GATEWAY_EDGE=off): what the edge costs
//   full+tracing    `full` with tracing at the default sampling (1 in 10, parent-based), its spans
//                   and the registers' for the requests it samples posted as OTLP/HTTP JSON to a
//                   collector stand-in started here (otlp-sink.mjs): what tracing costs
//   bare            this gateway with authentication, policy and the access log off
//   apollo-gateway  a plain @apollo/gateway on Apollo Server, default settings
//   hive-gateway    Hive Gateway (@graphql-hive/gateway) on the same supergraph
//
// then the scaling series: person-360 with one client at each data size, and agency-batch with
// 1 to 1,000 persons per request (SQL statements per subgraph must not grow). The subgraphs run
// with SUBGRAPH_UNAUTHENTICATED=bench so that the peers, which cannot mint this gateway's
// per-request tokens, are served as an all-seeing benchmark caller; requests from `full` still
// carry tokens and are checked in full by the subgraphs.
//
//   npm run bench [-- --quick] [-- --persons 1000000 --duration 15 --connections 10 --rounds 2]
//
// A benchmark, not a test: it writes tests/bench/results/<date>-<machine>.md and .json.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, hostname, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_SEED } from "@spx/reference/demo/demo-population";
import { generate, generatedData, generatedDatabaseUrl } from "./data-generate.mjs";
import {
  bearer,
  CASE_WORKERS,
  databaseUrl,
  entry,
  machine,
  measure,
  medianOf,
  PERSON_360,
  quantile,
  queryDatabase,
  root,
  today,
  watchCpu,
  watchMemory,
  withSystem,
  writeResults,
} from "./harness.mjs";
import { startOtlpSink } from "./otlp-sink.mjs";
import { preparePeers } from "./peers.mjs";
import { profileLines, summariseProfile } from "./profile-summary.mjs";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    persons: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    sizes: { type: "string" },
  },
});
const quick = values.quick;
const PERSONS = Number(values.persons ?? (quick ? 100_000 : 1_000_000));
const DURATION = Number(values.duration ?? (quick ? 5 : 15));
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const SIZES = (values.sizes ?? (quick ? "10000,100000" : "10000,100000,1000000")).split(",").map(Number);
const BATCHES = [1, 10, 100, 1000];
const REGION = "06"; // Casablanca-Settat, the most populous: the case workers' region
const SERVER = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PEERS = ["apollo-gateway", "hive-gateway", "hive-gateway-rust", "ceiling"];

/** @typedef {import("./harness.mjs").Token} Token */
/**
 * @typedef {object} TargetFigures One gateway on one scenario: medians of rounds, or one round.
 * @property {number} rps
 * @property {number} p50
 * @property {number} p95
 * @property {number} p99
 * @property {number} errors
 * @property {number} requests
 * @property {number} gatewayPeakMiB
 * @property {number} subgraphPeakMiB
 * @property {Record<"gateway" | "subgraphs" | "postgres", number | null>} cpuMsPerRequest
 * @property {number | null} statementsPerRequest
 */
/** @typedef {{ what: string, firstMs?: Record<string, number>, targets: Record<string, TargetFigures & { rounds: TargetFigures[] }> }} ScenarioResult */
/** @typedef {{ persons: number, p50: number, p99: number, errors: number, statementsPerRequest: Record<string, number | null> }} Batch */
/** @typedef {{ persons: number, p50: number, p95: number, p99: number, requests: number, errors: number }} ScalePoint */

/**
 * The ceiling (tests/bench/peers/ceiling.mjs): the scenarios' fetches, with nothing in between.
 * @param {Pick<import("./harness.mjs").PeerOptions, "subgraphUrls" | "ports">} options
 * @returns {import("./harness.mjs").PeerSpec}
 */
function ceiling({ subgraphUrls, ports }) {
  return {
    name: "ceiling",
    command: process.execPath,
    args: [path.join(root, "tests/bench/peers/ceiling.mjs")],
    env: {
      PORT: String(ports.ceiling),
      POPULATION_URL: subgraphUrls.population,
      SOCIAL_REGISTRY_URL: subgraphUrls["social-registry"],
      HEALTH_INSURANCE_URL: subgraphUrls["health-insurance"],
      DIRECT_AID_URL: subgraphUrls["direct-aid"],
    },
    url: `http://127.0.0.1:${ports.ceiling}/graphql`,
    readyUrl: `http://127.0.0.1:${ports.ceiling}/`,
  };
}

/**
 * Milliseconds as reported: one decimal.
 * @param {number | null | undefined} n
 */
const ms = (n) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(1) : "n/a");
/**
 * CPU milliseconds: two decimals.
 * @param {number | null | undefined} n
 */
const cpu = (n) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(2) : "n/a");

/** @param {number} n */
const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}m` : n >= 1000 ? `${n / 1000}k` : String(n));

/**
 * The generated databases for `persons`, generated now unless already there for today.
 * @param {number} persons
 * @returns {Promise<Record<string, string>>}
 */
async function dataFor(persons) {
  const prefix = `spx_national_${label(persons)}`;
  /** @param {string} name */
  const url = (name) => generatedDatabaseUrl(SERVER, prefix, name);
  const marker = await generatedData(url("direct-aid"));
  const fresh =
    marker &&
    Number(marker.seed) === DEMO_SEED &&
    Number(marker.persons) >= persons &&
    new Date(marker.as_of).toISOString().slice(0, 10) === today();
  if (!fresh) {
    console.log(`generating ${persons.toLocaleString("en")} persons into ${prefix}_*`);
    const result = await generate({ persons, prefix, server: SERVER, log: process.stderr });
    console.log(`  ${result.persons} persons, ${result.households} households in ${result.seconds.toFixed(0)} s`);
  } else {
    console.log(`using ${prefix}_* (${Number(marker?.persons).toLocaleString("en")} persons, generated today)`);
  }
  return Object.fromEntries(
    ["population", "social-registry", "health-insurance", "direct-aid"].map((n) => [n, url(n)]),
  );
}

/**
 * @typedef {object} Declaration A household's latest declaration, the columns a re-declaration sends.
 * @property {string} household_id
 * @property {string} housing_type
 * @property {number} rooms
 * @property {string} occupancy
 * @property {boolean} water_connected
 * @property {boolean} electricity_connected
 * @property {number} electricity_spending centimes
 * @property {number} water_spending centimes
 * @property {number} telephone_spending centimes
 * @property {number} gas_spending centimes
 * @property {string[] | null} durable_goods
 * @property {number} livestock_heads
 * @property {string} land_hectares
 * @property {unknown} member_details
 */

/**
 * What the scenarios draw from: persons of the region, any persons, households to re-declare.
 * @param {Record<string, string>} databases
 */
async function samples(databases) {
  const registry = entry(databases, "social-registry");
  const [members, anyone, declarations] = await Promise.all([
    queryDatabase(
      registry,
      `SELECT m.person_idcs AS idcs FROM membership m JOIN household h ON h.id = m.household_id
        WHERE h.region_code = $1 ORDER BY random() LIMIT 5000`,
      [REGION],
    ),
    queryDatabase(entry(databases, "population"), "SELECT idcs FROM person ORDER BY random() LIMIT 20000"),
    queryDatabase(
      registry,
      `SELECT DISTINCT ON (d.household_id) d.* FROM declaration d JOIN household h ON h.id = d.household_id
        WHERE h.region_code = $1 AND d.household_id IN (
          SELECT id FROM household WHERE region_code = $1 ORDER BY random() LIMIT 2000)
        ORDER BY d.household_id, d.version DESC`,
      [REGION],
    ),
  ]);
  /** @type {(rows: Record<string, unknown>[]) => string[]} */
  const idcsOf = (rows) => rows.map((r) => String(r.idcs));
  // The declaration table's columns, as pg reads them (DECIMAL as a string).
  const declared = /** @type {Declaration[]} */ (declarations);
  return { members: idcsOf(members), anyone: idcsOf(anyone), declarations: declared };
}
/** @typedef {Awaited<ReturnType<typeof samples>>} Pool */

/**
 * One of `items` at random.
 * @template T
 * @param {T[]} items
 * @returns {T}
 */
const pick = (items) => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) {
    throw new Error("no sample to draw from: is the generated data empty?");
  }
  return item;
};
/** @param {number} centimes */
const dirhams = (centimes) => `${Math.trunc(centimes / 100)}.${String(centimes % 100).padStart(2, "0")}`;

const AGENCY_BATCH = `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime role status } } }`;
const DASHBOARD = `query Dashboard { populationStatistics(by: [REGION, MILIEU]) { region milieu count }
  householdStatistics(by: [REGION]) { region households members eligibleAmoTadamon eligibleDirectAid }
  coverageStatistics(by: [REGION, REGIME]) { region regime beneficiaries } }`;
const DECLARE = `mutation Declare($householdId: ID!, $input: LivingConditionsInput!, $key: String) {
  declareLivingConditions(householdId: $householdId, input: $input, idempotencyKey: $key) {
    household { id socioEconomicIndex { score modelVersion } } } }`;

/**
 * Who asks, for `full`: many officials of each grant (as a region's case workers or a ministry's
 * analysts would), each within the catalogue's per-official rate and persons per hour over the whole
 * run; a system is one subject, whose rate (500/s) is above what the bench drives.
 * @param {import("./harness.mjs").Officials} officials
 */
async function callers(officials) {
  const [caseWorkers, cnss, analysts, registrars] = await Promise.all([
    officials(CASE_WORKERS, {
      sub: "bench:anss:cw",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: REGION,
      purpose: "CASE_MANAGEMENT",
    }),
    officials(1, { sub: "bench:cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" }),
    officials(200, { sub: "bench:msps", agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" }),
    officials(CASE_WORKERS, {
      sub: "bench:anr:cw",
      agency: "ANR",
      role: "CASE_WORKER",
      region: REGION,
      purpose: "REGISTRATION",
    }),
  ]);
  return { caseWorkers, cnss, analysts, registrars };
}

/**
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} what
 * @property {Token} token
 * @property {() => string} nextBody
 */

/**
 * The four scenarios: who asks (for `full`), what, and a fresh body per request.
 * @param {Pool} pool
 * @param {Awaited<ReturnType<typeof callers>>} tokens
 */
function scenarios(pool, tokens) {
  let next = 0;
  /** @param {number} n */
  const batchOf = (n) => Array.from({ length: n }, () => pick(pool.anyone));
  /** @type {Scenario[]} */
  const all = [
    {
      name: "person-360",
      what: "cross-programme view of a random person of the region (4 subgraphs), ANSS case worker",
      token: tokens.caseWorkers,
      nextBody: () => JSON.stringify({ query: PERSON_360, variables: { idcs: pick(pool.members) } }),
    },
    {
      name: "agency-batch",
      what: "CNSS system checking the coverage of 100 random persons in one request",
      token: tokens.cnss,
      nextBody: () => JSON.stringify({ query: AGENCY_BATCH, variables: { idcs: batchOf(100) } }),
    },
    {
      name: "dashboard",
      what: "MSPS analyst: population, households and coverage by region",
      token: tokens.analysts,
      nextBody: () => JSON.stringify({ query: DASHBOARD }),
    },
    {
      name: "write",
      what: "ANR case worker re-declaring a household's living conditions (index recomputed)",
      token: tokens.registrars,
      nextBody: () => {
        // Households in turn, never the same twice while others are in flight: two declarations
        // of one household at once would race for the same version (a conflict, by design).
        next = (next + 1) % pool.declarations.length;
        const d = pool.declarations[next];
        if (!d) {
          throw new Error("no household of the region to re-declare in the generated data");
        }
        const input = {
          housingType: d.housing_type,
          rooms: d.rooms,
          occupancy: d.occupancy,
          waterConnected: d.water_connected,
          electricityConnected: d.electricity_connected,
          electricitySpending: dirhams(d.electricity_spending),
          waterSpending: dirhams(d.water_spending),
          // A new telephone bill: the one spending every household may declare.
          telephoneSpending: dirhams(d.telephone_spending + Math.floor(Math.random() * 1000)),
          gasSpending: dirhams(d.gas_spending),
          durableGoods: d.durable_goods,
          livestockHeads: d.livestock_heads,
          landHectares: Number(d.land_hectares),
          members: d.member_details,
        };
        return JSON.stringify({ query: DECLARE, variables: { householdId: d.household_id, input, key: randomUUID() } });
      },
    },
  ];
  /** @param {string} name */
  const named = (name) => {
    const scenario = all.find((s) => s.name === name);
    if (!scenario) {
      throw new Error(`no scenario ${name}`);
    }
    return scenario;
  };
  return { all, named, batchOf };
}

/**
 * SQL statements each subgraph has run so far (its /metrics counter).
 * @param {Record<string, string>} subgraphUrls
 * @returns {Promise<Record<string, number | null>>}
 */
async function statementCounts(subgraphUrls) {
  const entries = await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]) => {
      try {
        const text = await (await fetch(new URL("/metrics", url))).text();
        const value = /^spx_sql_statements_total\s+(\d+)/m.exec(text)?.[1];
        return [name, value === undefined ? null : Number(value)];
      } catch {
        return [name, null];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Waits until the registers' databases have finished what the last scenario left in flight
 * (autocannon stops counting, the servers keep working: at a million persons a statistics query
 * runs for seconds, and the next scenario would find the connection pools taken), at most two
 * minutes.
 * @param {Record<string, string>} databases
 */
async function settle(databases) {
  const names = Object.values(databases).map((url) => new URL(url).pathname.slice(1));
  for (let waited = 0; waited < 120; waited++) {
    const [row] = await queryDatabase(
      entry(databases, "population"),
      "SELECT count(*)::int AS active FROM pg_stat_activity WHERE datname = ANY($1) AND state = 'active' AND pid <> pg_backend_pid()",
      [names],
    );
    if (row?.active === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * @param {Record<string, number | null>} after
 * @param {Record<string, number | null>} before
 * @returns {Record<string, number | null>}
 */
const difference = (after, before) =>
  Object.fromEntries(
    Object.entries(after).map(([name, n]) => {
      const was = before[name];
      return [name, n === null || was === null || was === undefined ? null : n - was];
    }),
  );

/**
 * One POST; throws unless the answer has data and no errors.
 * @param {string} url
 * @param {Token | undefined} token
 * @param {string} body
 */
async function once(url, token, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${bearer(token)}` } : {}), "content-type": "application/json" },
    body,
  });
  const answer = await response.json();
  if (!response.ok || answer.errors || !answer.data) {
    throw new Error(`${url}: ${response.status} ${JSON.stringify(answer).slice(0, 400)}`);
  }
  return answer;
}

/**
 * Figures that may be unknown (null or missing): unknown if any part is.
 * @param {(number | null | undefined)[]} xs
 */
const sumOrNull = (xs) => {
  const known = xs.filter((x) => typeof x === "number");
  return known.length < xs.length ? null : known.reduce((a, b) => a + b, 0);
};
/**
 * @param {number | null} total
 * @param {number} requests
 */
const perRequest = (total, requests) => (total === null ? null : total / Math.max(requests, 1));

const median = medianOf;
/** @param {(number | null)[]} xs */
const medianOrNull = (xs) => {
  const known = xs.filter((x) => x !== null);
  return known.length < xs.length ? null : median(known);
};

// Stopped with the process: it only counts what it is sent.
const otlpSink = await startOtlpSink();
const GATEWAYS = {
  full: { GATEWAY_ACCESS_LOG: "on", ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_access_log") },
  "full+tracing": {
    GATEWAY_ACCESS_LOG: "on",
    ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_access_log"),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.url,
  },
  "full-no-edge": {
    GATEWAY_ACCESS_LOG: "on",
    ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_access_log"),
    GATEWAY_EDGE: "off",
  },
  bare: { GATEWAY_AUTHENTICATION: "off", GATEWAY_AUTHORIZATION: "off", GATEWAY_ACCESS_LOG: "off" },
};
/** The gateways that are sent the scenario's callers' tokens. */
const AUTHENTICATED = new Set(["full", "full+tracing", "full-no-edge"]);

const started = Date.now();
const databases = await dataFor(PERSONS);
const sideBySide = await withSystem(
  {
    basePort: 4800,
    gateways: GATEWAYS,
    extraDatabases: ["spx_bench_access_log"],
    databases,
    // The registers trace what `full+tracing` samples, and start no trace of their own for the others.
    subgraphEnv: {
      SUBGRAPH_UNAUTHENTICATED: "bench",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.url,
      OTEL_TRACES_SAMPLER: "parentbased_always_off",
    },
    peers: async ({ ports, ...options }) => {
      const { ceiling: ceilingPort, ...peerPorts } = ports;
      if (ceilingPort === undefined) {
        throw new Error("no port for the ceiling");
      }
      return [
        ...(await preparePeers({ ...options, ports: peerPorts })),
        ceiling({ ...options, ports: { ceiling: ceilingPort } }),
      ];
    },
    peerNames: PEERS,
  },
  async ({ targets, officials, processes, subgraphUrls }) => {
    const pool = await samples(databases);
    const tokens = await callers(officials);
    /** @type {Record<string, ScenarioResult>} */
    const results = {};
    for (const scenario of scenarios(pool, tokens).all) {
      /** @param {string} target */
      const tokenOf = (target) => (AUTHENTICATED.has(target) ? scenario.token : undefined);
      await settle(databases);
      // The first request of each gateway's first run of the scenario: for the dashboard, a
      // process that has answered no statistics yet.
      /** @type {Record<string, number>} */
      const firstMs = {};
      for (const [target, url] of Object.entries(targets)) {
        const started = performance.now();
        await once(url, tokenOf(target), scenario.nextBody());
        firstMs[target] = performance.now() - started;
      }
      // Warm-up: every gateway, in turn, until its paths are compiled and its pools are full.
      for (const [target, url] of Object.entries(targets)) {
        await measure({
          url,
          token: tokenOf(target),
          nextBody: scenario.nextBody,
          seconds: quick ? 3 : 8,
          connections: CONNECTIONS,
        });
      }
      /** @type {Record<string, TargetFigures[]>} */
      const runs = Object.fromEntries(Object.keys(targets).map((t) => [t, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
        for (const target of order) {
          const subgraphProcesses = processes.filter((p) => p.kind === "subgraph");
          const gatewayProcess = processes.find((p) => p.name === target);
          if (!gatewayProcess) {
            throw new Error(`no process for ${target}`);
          }
          const memory = watchMemory([...subgraphProcesses, gatewayProcess]);
          const before = await statementCounts(subgraphUrls);
          const cpuWatch = watchCpu([...subgraphProcesses, gatewayProcess]);
          const run = await measure({
            url: entry(targets, target),
            token: tokenOf(target),
            nextBody: scenario.nextBody,
            seconds: DURATION,
            connections: CONNECTIONS,
          });
          const cpuMs = cpuWatch.stop(run.requests);
          const statements = difference(await statementCounts(subgraphUrls), before);
          const peaks = memory.stop();
          entry(runs, target).push({
            ...run,
            gatewayPeakMiB: peaks[target] ?? 0,
            subgraphPeakMiB: Math.max(...subgraphProcesses.map((p) => peaks[p.name] ?? 0)),
            cpuMsPerRequest: {
              gateway: cpuMs[target] ?? null,
              subgraphs: sumOrNull(subgraphProcesses.map((p) => cpuMs[p.name])),
              postgres: cpuMs.postgres ?? null,
            },
            statementsPerRequest: perRequest(sumOrNull(Object.values(statements)), run.requests),
          });
          console.log(
            `${scenario.name} ${target} round ${round + 1}: ${run.rps.toFixed(1)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.errors} errors`,
          );
        }
      }
      results[scenario.name] = {
        what: scenario.what,
        firstMs,
        targets: Object.fromEntries(
          Object.entries(runs).map(([target, rs]) => [
            target,
            {
              rps: median(rs.map((r) => r.rps)),
              p50: median(rs.map((r) => r.p50)),
              p95: median(rs.map((r) => r.p95)),
              p99: median(rs.map((r) => r.p99)),
              errors: rs.reduce((a, r) => a + r.errors, 0),
              requests: rs.reduce((a, r) => a + r.requests, 0),
              gatewayPeakMiB: Math.max(...rs.map((r) => r.gatewayPeakMiB)),
              subgraphPeakMiB: Math.max(...rs.map((r) => r.subgraphPeakMiB)),
              cpuMsPerRequest: {
                gateway: medianOrNull(rs.map((r) => r.cpuMsPerRequest.gateway)),
                subgraphs: medianOrNull(rs.map((r) => r.cpuMsPerRequest.subgraphs)),
                postgres: medianOrNull(rs.map((r) => r.cpuMsPerRequest.postgres)),
              },
              statementsPerRequest: medianOrNull(rs.map((r) => r.statementsPerRequest)),
              rounds: rs,
            },
          ]),
        ),
      };
    }

    // agency-batch at 1 to 1,000 persons per request, through `full`: p50 with one client, and
    // the SQL statements each subgraph ran per request.
    const { named, batchOf } = scenarios(pool, tokens);
    const batchScenario = named("agency-batch");
    const full = entry(targets, "full");
    /** @type {Batch[]} */
    const batches = [];
    for (const size of BATCHES) {
      const nextBody = () => JSON.stringify({ query: AGENCY_BATCH, variables: { idcs: batchOf(size) } });
      await once(full, batchScenario.token, nextBody());
      const before = await statementCounts(subgraphUrls);
      const requests = 20;
      for (let i = 0; i < requests; i++) {
        await once(full, batchScenario.token, nextBody());
      }
      const statements = difference(await statementCounts(subgraphUrls), before);
      const run = await measure({
        url: full,
        token: batchScenario.token,
        nextBody,
        seconds: quick ? 3 : 8,
        connections: 1,
      });
      batches.push({
        persons: size,
        p50: run.p50,
        p99: run.p99,
        errors: run.errors,
        statementsPerRequest: Object.fromEntries(
          Object.entries(statements).map(([name, n]) => [name, n === null ? null : n / requests]),
        ),
      });
      console.log(`agency-batch of ${size}: p50 ${run.p50} ms`);
    }
    return { results, batches };
  },
);

// person-360 with a single client at each data size, through `full`. The sizes' systems run side
// by side (an idle one costs nothing) and are measured in turns, so that drift of the machine
// over the minutes of the series falls on every size alike instead of on the last one; a size's
// latencies are those of all its turns together. At the main size a second, profiled copy of
// `full` (--cpu-prof) runs beside it and takes person-360 at full concurrency for the report: the
// profiler slows the process it samples, so it never serves the measured runs.
const TURNS = 3;
const profileDir = mkdtempSync(path.join(tmpdir(), "spx-bench-profile-"));
/** @type {{ size: number, databases: Record<string, string> }[]} */
const sizes = [];
for (const size of SIZES) {
  sizes.push({ size, databases: size === PERSONS ? databases : await dataFor(size) });
}

/**
 * @typedef {object} SizedSystem One data size's system.
 * @property {number} size
 * @property {boolean} profiled whether it runs the profiled copy of `full` too
 * @property {(url: string, seconds: number, connections: number, latencies?: number[]) => ReturnType<typeof measure>} run
 *   person-360 against `url`
 * @property {Record<string, string>} targets
 * @property {(name: string) => Promise<unknown>} stopOne
 */

/**
 * Starts each size's system, one inside the other, and runs `body` with all of them up.
 * @template T
 * @param {typeof sizes} remaining
 * @param {SizedSystem[]} running
 * @param {(systems: SizedSystem[]) => Promise<T>} body
 * @returns {Promise<T>}
 */
async function withSizes(remaining, running, body) {
  const [first, ...rest] = remaining;
  if (!first) {
    return body(running);
  }
  const { size, databases: dbs } = first;
  const profiled = size === PERSONS;
  const accessLog = `spx_bench_access_log_${label(size)}`;
  const full = { ...GATEWAYS.full, ACCESS_LOG_DATABASE_URL: databaseUrl(accessLog) };
  return withSystem(
    {
      basePort: 4850 + 30 * running.length,
      gateways: {
        full,
        ...(profiled ? { profiled: { ...full, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } } : {}),
      },
      extraDatabases: [accessLog],
      databases: dbs,
    },
    async ({ targets, officials, stopOne }) => {
      const pool = await samples(dbs);
      const scenario = scenarios(pool, await callers(officials)).named("person-360");
      /** @type {SizedSystem["run"]} */
      const run = (url, seconds, connections, latencies) =>
        measure({ url, token: scenario.token, nextBody: scenario.nextBody, seconds, connections, latencies });
      return withSizes(rest, [...running, { size, profiled, run, targets, stopOne }], body);
    },
  );
}

const scaling = await withSizes(sizes, [], async (systems) => {
  // Steady state, as in the side-by-side runs: compiled paths, full pools, warm caches (a fresh
  // gateway's first seconds run 30-50% slower).
  for (const { run, targets } of systems) {
    await run(entry(targets, "full"), quick ? 10 : 20, CONNECTIONS);
    await run(entry(targets, "full"), quick ? 3 : 5, 1);
  }
  // Each size's latencies over all its turns, and its errors.
  const tallies = systems.map((system) => ({ system, latencies: /** @type {number[]} */ ([]), errors: 0 }));
  for (let turn = 0; turn < TURNS; turn++) {
    for (const tally of turn % 2 === 0 ? tallies : [...tallies].reverse()) {
      const { run, targets } = tally.system;
      tally.errors += (await run(entry(targets, "full"), DURATION / TURNS, 1, tally.latencies)).errors;
    }
  }
  const main = systems.find((system) => system.profiled);
  if (main) {
    await main.run(entry(main.targets, "profiled"), DURATION, CONNECTIONS);
    // The profile is written when the profiled gateway exits: stop it now, while the others run.
    await main.stopOne("profiled");
  }
  return tallies.map(({ system: { size }, latencies, errors }) => {
    const sorted = latencies.sort((a, b) => a - b);
    /** @type {ScalePoint} */
    const point = {
      persons: size,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      requests: sorted.length,
      errors,
    };
    console.log(`person-360 at ${label(size)} persons, 1 client: p50 ${point.p50} ms`);
    return point;
  });
});
const profile = summariseProfile(profileDir);
rmSync(profileDir, { recursive: true, force: true });

writeReport({ ...sideBySide, scaling, profile, seconds: (Date.now() - started) / 1000 });
await otlpSink.close();

/**
 * @typedef {object} Report
 * @property {Record<string, ScenarioResult>} results each scenario, side by side
 * @property {Batch[]} batches agency-batch at each batch size
 * @property {ScalePoint[]} scaling person-360 at each data size
 */

/**
 * Each target of the issue, met or not, with the figures that decide it.
 * @param {Report} report
 */
function targets({ results, batches, scaling }) {
  /**
   * @param {string} scenario
   * @param {string} target
   */
  const at = (scenario, target) => entry(entry(results, scenario).targets, target);
  /** @param {string} target */
  const p360 = (target) => at("person-360", target);
  /** @param {unknown} ok */
  const verdict = (ok) => (ok ? "met" : "**NOT met**");
  /** @param {string} scenario */
  const cost = (scenario) => 1 - at(scenario, "full").rps / at(scenario, "bare").rps;
  const [smallest, largest] = [scaling[0], scaling[scaling.length - 1]];
  const [firstBatch] = batches;
  if (!smallest || !largest || !firstBatch) {
    throw new Error("no data size or no batch size was measured");
  }
  const p50s = scaling.map((s) => s.p50);
  const spread = Math.max(...p50s) / Math.min(...p50s);
  const thousand = batches.find((b) => b.persons === 1000);
  const statementCounts = Object.keys(firstBatch.statementsPerRequest).map((name) =>
    batches.map((b) => b.statementsPerRequest[name]),
  );
  const constant = statementCounts.every((counts) => counts.every((n) => n !== null && n === counts[0]));
  return [
    `- security and audit cost against bare ≤ 10% of throughput on person-360 and agency-batch, ≤ 15% on the dashboard: ${[
      ["person-360", 0.1],
      ["agency-batch", 0.1],
      ["dashboard", 0.15],
    ]
      .map(
        ([name, most]) =>
          `${name} ${verdict(cost(String(name)) <= Number(most))} (${(cost(String(name)) * 100).toFixed(1)}%)`,
      )
      .join(", ")}`,
    `- full ≥ 1.0× hive-gateway-rust (Hive Gateway with its Rust planner): ${Object.keys(results)
      .map((name) => {
        const ratio = at(name, "full").rps / at(name, "hive-gateway-rust").rps;
        return `${name} ${verdict(ratio >= 1)} (${ratio.toFixed(2)}×)`;
      })
      .join(", ")}`,
    `- person-360, full ≥ 1.3× apollo-gateway: ${verdict(p360("full").rps >= 1.3 * p360("apollo-gateway").rps)} (${(p360("full").rps / p360("apollo-gateway").rps).toFixed(2)}×)`,
    `- person-360, the lowest p99 of all gateways: ${(() => {
      const others = Object.keys(entry(results, "person-360").targets).filter(
        (name) => !name.startsWith("full") && name !== "bare" && name !== "ceiling",
      );
      const lowest = Math.min(...others.map((name) => p360(name).p99));
      return `${verdict(p360("full").p99 < lowest)} (${ms(p360("full").p99)} ms; lowest of the others ${ms(lowest)} ms)`;
    })()}`,
    `- person-360, gateway CPU per request no higher than hive-gateway-rust's: ${(() => {
      const full = p360("full").cpuMsPerRequest.gateway;
      const rust = p360("hive-gateway-rust").cpuMsPerRequest.gateway;
      return `${verdict(full !== null && rust !== null && full <= rust)} (${full?.toFixed(2) ?? "n/a"} vs ${rust?.toFixed(2) ?? "n/a"} ms)`;
    })()}`,
    `- the edge (operation limits, demand control, rate limits) costs < 3% of throughput against full-no-edge: ${[
      "person-360",
      "agency-batch",
    ]
      .map((name) => {
        const edgeCost = 1 - at(name, "full").rps / at(name, "full-no-edge").rps;
        return `${name} ${verdict(edgeCost < 0.03)} (${(edgeCost * 100).toFixed(1)}%)`;
      })
      .join(", ")}`,
    `- tracing at the default sampling costs ≤ 5% of person-360 throughput (full+tracing against full): ${verdict(
      p360("full+tracing").rps >= 0.95 * p360("full").rps,
    )} (${(p360("full+tracing").rps / p360("full").rps).toFixed(3)}×)`,
    `  - where it goes, in CPU per person-360 request against bare: ${
      /** @type {const} */ (["gateway", "subgraphs", "postgres"])
        .map((part) => {
          const full = p360("full").cpuMsPerRequest[part];
          const bare = p360("bare").cpuMsPerRequest[part];
          const delta = full === null || bare === null ? Number.NaN : full - bare;
          return `${part === "postgres" ? "PostgreSQL" : part} ${Number.isFinite(delta) ? `${delta >= 0 ? "+" : ""}${delta.toFixed(2)} ms` : "n/a"}`;
        })
        .join(", ")
    }`,
    `- person-360 with one client, p50 ≤ 10 ms at 1,000,000 persons: ${(() => {
      const point = scaling.find((s) => s.persons === 1_000_000);
      return point
        ? `${verdict(point.p50 <= 10)} (${ms(point.p50)} ms)`
        : "not measured (no 1,000,000-person size in this run)";
    })()}`,
    `- person-360 with one client at ${largest.persons.toLocaleString("en")} persons within 20% of its p50 at 1,000,000: ${(() => {
      const point = scaling.find((s) => s.persons === 1_000_000);
      if (!point || largest === point) {
        return "not measured (no size above 1,000,000 in this run)";
      }
      return `${verdict(largest.p50 <= 1.2 * point.p50)} (${ms(largest.p50)} against ${ms(point.p50)} ms)`;
    })()}`,
    `- person-360 p50 flat within 20% from ${smallest.persons.toLocaleString("en")} to ${largest.persons.toLocaleString("en")} persons: ${verdict(spread <= 1.2)} (largest / smallest p50 = ${spread.toFixed(2)})`,
    `- agency-batch of 1,000 persons, p50 < 300 ms: ${verdict(thousand && thousand.p50 < 300)} (${ms(thousand?.p50)} ms)`,
    `- agency-batch, SQL statements per subgraph the same from 1 to 1,000 persons: ${verdict(constant)}`,
    `- dashboard through full at ${PERSONS.toLocaleString("en")} persons, p50 < 100 ms at ${CONNECTIONS} connections: ${verdict(
      at("dashboard", "full").p50 < 100,
    )} (${ms(at("dashboard", "full").p50)} ms; its first request, to processes that had answered no statistics: ${ms(
      entry(results, "dashboard").firstMs?.full,
    )} ms)`,
  ];
}

/**
 * Writes the report of the whole run (tests/bench/results/<date>-<machine>.md and .json).
 * @param {Report & { profile: import("./profile-summary.mjs").ProfileSummary | undefined, seconds: number }} report
 */
function writeReport({ results, batches, scaling, profile, seconds }) {
  const targetsOf = Object.keys(Object.values(results)[0]?.targets ?? {});
  const subgraphNames = Object.keys(batches[0]?.statementsPerRequest ?? {});
  /**
   * One table row for each scenario and gateway, in that order.
   * @param {(scenario: string, target: string, figures: TargetFigures) => string} row
   */
  const rowsPerTarget = (row) =>
    Object.entries(results).flatMap(([name, { targets }]) =>
      targetsOf.map((target) => row(name, target, entry(targets, target))),
    );
  /**
   * @param {number} a
   * @param {number} b
   */
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
  const lines = [
    `${quick ? "Quick run" : "Full run"}: ${PERSONS.toLocaleString("en")} generated persons on PostgreSQL, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per gateway and scenario (median of rounds), gateways alternating; ${machine()}; ${today()}; ${Math.round(seconds / 60)} min in all.`,
    "",
    "### Ratios",
    "",
    "Throughput of `full` (this gateway, everything on) relative to each alternative, and its p99 against theirs:",
    "",
    "| Scenario | full / apollo-gateway | full / hive-gateway | full / full-no-edge | full / bare | full / ceiling | full+tracing / full | p99 full · apollo · hive · ceiling (ms) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [name, { targets }] of Object.entries(results)) {
    /** @param {string} k */
    const t = (k) => targets[k] ?? { rps: 0, p99: Number.NaN };
    lines.push(
      `| ${name} | ${ratio(t("full").rps, t("apollo-gateway").rps)} | ${ratio(t("full").rps, t("hive-gateway").rps)} | ${ratio(t("full").rps, t("full-no-edge").rps)} | ${ratio(t("full").rps, t("bare").rps)} | ${ratio(t("full").rps, t("ceiling").rps)} | ${ratio(t("full+tracing").rps, t("full").rps)} | ${ms(t("full").p99)} · ${ms(t("apollo-gateway").p99)} · ${ms(t("hive-gateway").p99)} · ${ms(t("ceiling").p99)} |`,
    );
  }
  lines.push(
    "",
    "### Figures",
    "",
    "| Scenario | Gateway | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | Errors | Gateway peak RSS (MiB) | Subgraph peak RSS (MiB) | SQL statements / request |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rowsPerTarget(
      (name, target, m) =>
        `| ${name} | ${target} | ${m.rps.toFixed(1)} | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.p99)} | ${m.errors} | ${m.gatewayPeakMiB.toFixed(0)} | ${m.subgraphPeakMiB.toFixed(0)} | ${m.statementsPerRequest === null ? "n/a" : m.statementsPerRequest.toFixed(1)} |`,
    ),
  );
  lines.push(
    "",
    "CPU per request, in milliseconds of user and system time (median of rounds): the gateway (with any workers it forks), the four subgraphs together, and PostgreSQL. On this machine throughput is bounded by the total, so this is where a request's cost goes:",
    "",
    "| Scenario | Gateway | gateway | subgraphs | PostgreSQL | total |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rowsPerTarget((name, target, { cpuMsPerRequest: { gateway, subgraphs, postgres } }) => {
      const total = sumOrNull([gateway, subgraphs, postgres]);
      return `| ${name} | ${target} | ${cpu(gateway)} | ${cpu(subgraphs)} | ${cpu(postgres)} | ${cpu(total)} |`;
    }),
  );
  lines.push("", "Scenarios:", "");
  for (const [name, { what }] of Object.entries(results)) {
    lines.push(`- \`${name}\`: ${what}`);
  }
  lines.push(
    "",
    "### Scaling",
    "",
    `person-360 through \`full\`, one client; the sizes' systems run side by side and take turns (${TURNS} each, ${ms(DURATION / TURNS)} s a turn), so that the machine's drift falls on all of them alike:`,
    "",
    "| Persons | p50 (ms) | p95 (ms) | p99 (ms) | Errors |",
    "| --- | --- | --- | --- | --- |",
    ...scaling.map(
      (s) => `| ${s.persons.toLocaleString("en")} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${s.errors} |`,
    ),
    "",
    `agency-batch through \`full\` at ${PERSONS.toLocaleString("en")} persons, one client; SQL statements per request in each subgraph:`,
    "",
    `| Persons per request | p50 (ms) | p99 (ms) | Errors | ${subgraphNames.join(" | ")} |`,
    `| --- | --- | --- | --- | ${subgraphNames.map(() => "---").join(" | ")} |`,
    ...batches.map(
      (b) =>
        `| ${b.persons} | ${ms(b.p50)} | ${ms(b.p99)} | ${b.errors} | ${Object.values(b.statementsPerRequest)
          .map((n) => (n === null ? "n/a" : n.toFixed(1)))
          .join(" | ")} |`,
    ),
  );
  lines.push("", "### Targets", "", ...targets({ results, batches, scaling }));
  if (profile) {
    lines.push(
      "",
      "### Where `full` spends its time",
      "",
      `CPU profile of this gateway (\`--cpu-prof\`) under person-360 at ${CONNECTIONS} connections, ${PERSONS.toLocaleString("en")} persons.`,
      "",
      ...profileLines(profile),
    );
  }
  const machineName = `${
    hostname()
      .replace(/[^a-z0-9-]/gi, "")
      .slice(0, 20) || "machine"
  }-${cpus().length}c-${Math.round(totalmem() / 2 ** 30)}g`;
  writeResults(
    quick ? `${machineName}-quick` : machineName,
    quick ? "Side-by-side benchmark (quick)" : "Side-by-side benchmark",
    lines.join("\n"),
    {
      quick,
      persons: PERSONS,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      duration: DURATION,
      results,
      batches,
      scaling,
      profile,
    },
  );
}
