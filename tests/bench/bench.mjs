// The side-by-side benchmark on national-scale data: the same four subgraphs and the same
// generated data (npm run data:generate) behind several gateways, driven at fixed concurrency by
// autocannon from this process, scenario by scenario, the gateways alternating:
//
//   full            this gateway: authentication, policy (filter), the access log and the edge
//                   (operation limits, demand control, rate limits) on
//   full-no-edge    the same with the edge off (GATEWAY_EDGE=off): what the edge costs
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
import { DEMO_SEED } from "@spx/population/seed/demo-population";
import { generate, generatedData, generatedDatabaseUrl } from "./data-generate.mjs";
import {
  bearer,
  CASE_WORKERS,
  databaseUrl,
  machine,
  measure,
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

/** The ceiling (tests/bench/peers/ceiling.mjs): the scenarios' fetches, with nothing in between. */
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

/** Milliseconds as reported: one decimal; CPU milliseconds: two. */
const ms = (n) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const cpu = (n) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}m` : n >= 1000 ? `${n / 1000}k` : String(n));

/** The generated databases for `persons`, generated now unless already there for today. */
async function dataFor(persons) {
  const prefix = `spx_national_${label(persons)}`;
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
    console.log(`using ${prefix}_* (${Number(marker.persons).toLocaleString("en")} persons, generated today)`);
  }
  return Object.fromEntries(
    ["population", "social-registry", "health-insurance", "direct-aid"].map((n) => [n, url(n)]),
  );
}

/** What the scenarios draw from: persons of the region, any persons, households to re-declare. */
async function samples(databases) {
  const [members, anyone, declarations] = await Promise.all([
    queryDatabase(
      databases["social-registry"],
      `SELECT m.person_idcs AS idcs FROM membership m JOIN household h ON h.id = m.household_id
        WHERE h.region_code = $1 ORDER BY random() LIMIT 5000`,
      [REGION],
    ),
    queryDatabase(databases.population, "SELECT idcs FROM person ORDER BY random() LIMIT 20000"),
    queryDatabase(
      databases["social-registry"],
      `SELECT DISTINCT ON (d.household_id) d.* FROM declaration d JOIN household h ON h.id = d.household_id
        WHERE h.region_code = $1 AND d.household_id IN (
          SELECT id FROM household WHERE region_code = $1 ORDER BY random() LIMIT 2000)
        ORDER BY d.household_id, d.version DESC`,
      [REGION],
    ),
  ]);
  return { members: members.map((r) => r.idcs), anyone: anyone.map((r) => r.idcs), declarations };
}

const pick = (items) => items[Math.floor(Math.random() * items.length)];
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

/** The four scenarios: who asks (for `full`), what, and a fresh body per request. */
function scenarios(pool, tokens) {
  let next = 0;
  const batchOf = (n) => Array.from({ length: n }, () => pick(pool.anyone));
  return [
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
      batchOf,
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
}

/** SQL statements each subgraph has run so far (its /metrics counter). */
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
 */
async function settle(databases) {
  const names = Object.values(databases).map((url) => new URL(url).pathname.slice(1));
  for (let waited = 0; waited < 120; waited++) {
    const [{ active }] = await queryDatabase(
      databases.population,
      "SELECT count(*)::int AS active FROM pg_stat_activity WHERE datname = ANY($1) AND state = 'active' AND pid <> pg_backend_pid()",
      [names],
    );
    if (active === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const difference = (after, before) =>
  Object.fromEntries(
    Object.entries(after).map(([name, n]) => [name, n === null || before[name] === null ? null : n - before[name]]),
  );

/** One POST; throws unless the answer has data and no errors. */
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

/** Figures that may be unknown (null): unknown if any part is. */
const sumOrNull = (xs) => (xs.some((x) => x === null) ? null : xs.reduce((a, b) => a + b, 0));
const perRequest = (total, requests) => (total === null ? null : total / Math.max(requests, 1));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const medianOrNull = (xs) => (xs.some((x) => x === null) ? null : median(xs));

const GATEWAYS = {
  full: { GATEWAY_ACCESS_LOG: "on", ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_access_log") },
  "full-no-edge": {
    GATEWAY_ACCESS_LOG: "on",
    ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_access_log"),
    GATEWAY_EDGE: "off",
  },
  bare: { GATEWAY_AUTHENTICATION: "off", GATEWAY_AUTHORIZATION: "off", GATEWAY_ACCESS_LOG: "off" },
};
/** The gateways that are sent the scenario's callers' tokens. */
const AUTHENTICATED = new Set(["full", "full-no-edge"]);

const started = Date.now();
const databases = await dataFor(PERSONS);
const sideBySide = await withSystem(
  {
    basePort: 4800,
    gateways: GATEWAYS,
    extraDatabases: ["spx_bench_access_log"],
    databases,
    subgraphEnv: { SUBGRAPH_UNAUTHENTICATED: "bench" },
    peers: async ({ ports, ...options }) => {
      const { ceiling: ceilingPort, ...peerPorts } = ports;
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
    const results = {};
    for (const scenario of scenarios(pool, tokens)) {
      const tokenOf = (target) => (AUTHENTICATED.has(target) ? scenario.token : undefined);
      await settle(databases);
      for (const target of Object.keys(targets)) {
        await once(targets[target], tokenOf(target), scenario.nextBody());
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
      const runs = Object.fromEntries(Object.keys(targets).map((t) => [t, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
        for (const target of order) {
          const subgraphProcesses = processes.filter((p) => p.kind === "subgraph");
          const gatewayProcess = processes.find((p) => p.name === target);
          const memory = watchMemory([...subgraphProcesses, gatewayProcess]);
          const before = await statementCounts(subgraphUrls);
          const cpuWatch = watchCpu([...subgraphProcesses, gatewayProcess]);
          const run = await measure({
            url: targets[target],
            token: tokenOf(target),
            nextBody: scenario.nextBody,
            seconds: DURATION,
            connections: CONNECTIONS,
          });
          const cpuMs = cpuWatch.stop(run.requests);
          const statements = difference(await statementCounts(subgraphUrls), before);
          const peaks = memory.stop();
          runs[target].push({
            ...run,
            gatewayPeakMiB: peaks[target],
            subgraphPeakMiB: Math.max(...subgraphProcesses.map((p) => peaks[p.name])),
            cpuMsPerRequest: {
              gateway: cpuMs[target],
              subgraphs: sumOrNull(subgraphProcesses.map((p) => cpuMs[p.name])),
              postgres: cpuMs.postgres,
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
              cpuMsPerRequest: Object.fromEntries(
                ["gateway", "subgraphs", "postgres"].map((part) => [
                  part,
                  medianOrNull(rs.map((r) => r.cpuMsPerRequest[part])),
                ]),
              ),
              statementsPerRequest: medianOrNull(rs.map((r) => r.statementsPerRequest)),
              rounds: rs,
            },
          ]),
        ),
      };
    }

    // agency-batch at 1 to 1,000 persons per request, through `full`: p50 with one client, and
    // the SQL statements each subgraph ran per request.
    const batchScenario = scenarios(pool, tokens).find((s) => s.name === "agency-batch");
    const batches = [];
    for (const size of BATCHES) {
      const nextBody = () => JSON.stringify({ query: AGENCY_BATCH, variables: { idcs: batchScenario.batchOf(size) } });
      await once(targets.full, batchScenario.token, nextBody());
      const before = await statementCounts(subgraphUrls);
      const requests = 20;
      for (let i = 0; i < requests; i++) {
        await once(targets.full, batchScenario.token, nextBody());
      }
      const statements = difference(await statementCounts(subgraphUrls), before);
      const run = await measure({
        url: targets.full,
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
const sizes = [];
for (const size of SIZES) {
  sizes.push({ size, databases: size === PERSONS ? databases : await dataFor(size) });
}

/** Starts each size's system, one inside the other, and runs `body` with all of them up. */
async function withSizes(remaining, running, body) {
  if (remaining.length === 0) {
    return body(running);
  }
  const [{ size, databases: dbs }, ...rest] = remaining;
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
      const scenario = scenarios(pool, await callers(officials)).find((s) => s.name === "person-360");
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
    await run(targets.full, quick ? 10 : 20, CONNECTIONS);
    await run(targets.full, quick ? 3 : 5, 1);
  }
  const latencies = systems.map(() => []);
  const errors = systems.map(() => 0);
  for (let turn = 0; turn < TURNS; turn++) {
    const order = systems.map((_, i) => i);
    for (const i of turn % 2 === 0 ? order : order.reverse()) {
      const { run, targets } = systems[i];
      errors[i] += (await run(targets.full, DURATION / TURNS, 1, latencies[i])).errors;
    }
  }
  const main = systems.find((system) => system.profiled);
  if (main) {
    await main.run(main.targets.profiled, DURATION, CONNECTIONS);
    // The profile is written when the profiled gateway exits: stop it now, while the others run.
    await main.stopOne("profiled");
  }
  return systems.map(({ size }, i) => {
    const sorted = latencies[i].sort((a, b) => a - b);
    const point = {
      persons: size,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      requests: sorted.length,
      errors: errors[i],
    };
    console.log(`person-360 at ${label(size)} persons, 1 client: p50 ${point.p50} ms`);
    return point;
  });
});
const profile = summariseProfile(profileDir);
rmSync(profileDir, { recursive: true, force: true });

writeReport({ ...sideBySide, scaling, profile, seconds: (Date.now() - started) / 1000 });

/** Each target of the issue, met or not, with the figures that decide it. */
function targets({ results, batches, scaling }) {
  const p360 = results["person-360"].targets;
  const verdict = (ok) => (ok ? "met" : "**NOT met**");
  const cost = (scenario) => 1 - results[scenario].targets.full.rps / results[scenario].targets.bare.rps;
  const largest = scaling[scaling.length - 1];
  const p50s = scaling.map((s) => s.p50);
  const spread = Math.max(...p50s) / Math.min(...p50s);
  const thousand = batches.find((b) => b.persons === 1000);
  const statementCounts = Object.keys(batches[0].statementsPerRequest).map((name) =>
    batches.map((b) => b.statementsPerRequest[name]),
  );
  const constant = statementCounts.every((counts) => counts.every((n) => n !== null && n === counts[0]));
  return [
    `- person-360, full ≥ 1.5× the throughput of apollo-gateway: ${verdict(p360.full.rps >= 1.5 * p360["apollo-gateway"].rps)} (${(p360.full.rps / p360["apollo-gateway"].rps).toFixed(2)}×)`,
    `- person-360, full ≥ hive-gateway's throughput with a lower p99: ${verdict(p360.full.rps >= p360["hive-gateway"].rps && p360.full.p99 < p360["hive-gateway"].p99)} (${(p360.full.rps / p360["hive-gateway"].rps).toFixed(2)}×, p99 ${ms(p360.full.p99)} vs ${ms(p360["hive-gateway"].p99)} ms)`,
    `- security and audit cost ≤ 20% of throughput against bare: ${Object.keys(results)
      .map((name) => `${name} ${verdict(cost(name) <= 0.2)} (${(cost(name) * 100).toFixed(1)}%)`)
      .join(", ")}`,
    `- the edge (operation limits, demand control, rate limits) costs < 3% of throughput against full-no-edge: ${[
      "person-360",
      "agency-batch",
    ]
      .map((name) => {
        const edgeCost = 1 - results[name].targets.full.rps / results[name].targets["full-no-edge"].rps;
        return `${name} ${verdict(edgeCost < 0.03)} (${(edgeCost * 100).toFixed(1)}%)`;
      })
      .join(", ")}`,
    `  - where it goes, in CPU per person-360 request against bare: ${["gateway", "subgraphs", "postgres"]
      .map((part) => {
        const full = p360.full.cpuMsPerRequest[part];
        const bare = p360.bare.cpuMsPerRequest[part];
        const delta = full === null || bare === null ? Number.NaN : full - bare;
        return `${part === "postgres" ? "PostgreSQL" : part} ${Number.isFinite(delta) ? `${delta >= 0 ? "+" : ""}${delta.toFixed(2)} ms` : "n/a"}`;
      })
      .join(", ")}`,
    `- person-360 with one client, p50 < 25 ms at ${largest.persons.toLocaleString("en")} persons: ${verdict(largest.p50 < 25)} (${ms(largest.p50)} ms)`,
    `- person-360 p50 flat within 20% from ${scaling[0].persons.toLocaleString("en")} to ${largest.persons.toLocaleString("en")} persons: ${verdict(spread <= 1.2)} (largest / smallest p50 = ${spread.toFixed(2)})`,
    `- agency-batch of 1,000 persons, p50 < 300 ms: ${verdict(thousand && thousand.p50 < 300)} (${ms(thousand?.p50)} ms)`,
    `- agency-batch, SQL statements per subgraph the same from 1 to 1,000 persons: ${verdict(constant)}`,
  ];
}

function writeReport({ results, batches, scaling, profile, seconds }) {
  const targetsOf = Object.keys(Object.values(results)[0].targets);
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
  const lines = [
    `${quick ? "Quick run" : "Full run"}: ${PERSONS.toLocaleString("en")} generated persons on PostgreSQL, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per gateway and scenario (median of rounds), gateways alternating; ${machine()}; ${today()}; ${Math.round(seconds / 60)} min in all.`,
    "",
    "### Ratios",
    "",
    "Throughput of `full` (this gateway, everything on) relative to each alternative, and its p99 against theirs:",
    "",
    "| Scenario | full / apollo-gateway | full / hive-gateway | full / full-no-edge | full / bare | full / ceiling | p99 full · apollo · hive · ceiling (ms) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [name, { targets }] of Object.entries(results)) {
    const t = (k) => targets[k] ?? { rps: 0, p99: Number.NaN };
    lines.push(
      `| ${name} | ${ratio(t("full").rps, t("apollo-gateway").rps)} | ${ratio(t("full").rps, t("hive-gateway").rps)} | ${ratio(t("full").rps, t("full-no-edge").rps)} | ${ratio(t("full").rps, t("bare").rps)} | ${ratio(t("full").rps, t("ceiling").rps)} | ${ms(t("full").p99)} · ${ms(t("apollo-gateway").p99)} · ${ms(t("hive-gateway").p99)} · ${ms(t("ceiling").p99)} |`,
    );
  }
  lines.push(
    "",
    "### Figures",
    "",
    "| Scenario | Gateway | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | Errors | Gateway peak RSS (MiB) | Subgraph peak RSS (MiB) | SQL statements / request |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, { targets }] of Object.entries(results)) {
    for (const target of targetsOf) {
      const m = targets[target];
      lines.push(
        `| ${name} | ${target} | ${m.rps.toFixed(1)} | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.p99)} | ${m.errors} | ${m.gatewayPeakMiB.toFixed(0)} | ${m.subgraphPeakMiB.toFixed(0)} | ${m.statementsPerRequest === null ? "n/a" : m.statementsPerRequest.toFixed(1)} |`,
      );
    }
  }
  lines.push(
    "",
    "CPU per request, in milliseconds of user and system time (median of rounds): the gateway (with any workers it forks), the four subgraphs together, and PostgreSQL. On this machine throughput is bounded by the total, so this is where a request's cost goes:",
    "",
    "| Scenario | Gateway | gateway | subgraphs | PostgreSQL | total |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, { targets }] of Object.entries(results)) {
    for (const target of targetsOf) {
      const { gateway, subgraphs, postgres } = targets[target].cpuMsPerRequest;
      lines.push(
        `| ${name} | ${target} | ${cpu(gateway)} | ${cpu(subgraphs)} | ${cpu(postgres)} | ${cpu(sumOrNull([gateway, subgraphs, postgres]))} |`,
      );
    }
  }
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
    `| Persons per request | p50 (ms) | p99 (ms) | Errors | ${Object.keys(batches[0].statementsPerRequest).join(" | ")} |`,
    `| --- | --- | --- | --- | ${Object.keys(batches[0].statementsPerRequest)
      .map(() => "---")
      .join(" | ")} |`,
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
