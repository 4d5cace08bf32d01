import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REFUSAL_CODES } from "@spx/gateway/metrics/refusal-metrics";
import { CALL_OUTCOMES } from "@spx/gateway/metrics/subgraph-call-metrics";
import type { Caller } from "@spx/runtime/access";
import {
  agencyLabels,
  HTTP_METHODS,
  HTTP_STATUS_CODES,
  OPERATION_TYPES,
  OTHER,
  OUTCOMES,
  trustedOperationNames,
} from "@spx/runtime/metrics";
import { REJECTION_REASONS } from "@spx/runtime/tokens";
import parsePrometheusTextFormat, { type Family } from "parse-prometheus-text-format";
import { caseWorker } from "./testkit/callers.js";
import { PERSON_360, programmeSubject } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * What an operator scrapes: every service's /metrics after real operations through the gateway,
 * refusals included, parsed as Prometheus parses it; its label values stay within their declared
 * sets and hold none of the personal data the run served; and the dashboard and the alert rules
 * name only metrics that exist.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OBSERVABILITY = path.join(ROOT, "deploy/observability");
const FIRST_PERSONS =
  "query FirstPersons { persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }";
const REGISTERS = ["population", "social-registry", "health-insurance", "direct-aid"] as const;

let system: RunningSystem;
/** Each service's /metrics text after the run, by service. */
const scraped: Record<string, string> = {};
/** As served: families and their types. */
const parsed: Record<string, Family[]> = {};
/** The answers to a burst of one caller's requests, some refused by its rate limit. */
let burst: { status: number }[] = [];
/**
 * The same text with histograms read as untyped series (`_bucket`, `_sum`, `_count` each a family
 * of its own): parse-prometheus-text-format 1.1.1 folds every series of a labelled histogram into
 * one set of buckets and drops their labels, so a histogram's labels are read this way.
 */
const series: Record<string, Family[]> = {};

async function post(caller: Caller, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${system.gatewayUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${await system.token(caller)}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
  };
}

const baseUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, "");

beforeAll(async () => {
  system = await startSystem({ label: "metrics", seedPersons: 200, seedHouseholds: true, seedProgrammes: true });
  const subject = await programmeSubject(system);
  const worker = caseWorker(subject.region, { sub: "anss:metrics", purpose: "CASE_MANAGEMENT" });
  const anr: Caller = { sub: "anr:metrics", agency: "ANR", role: "SYSTEM", purpose: "IDENTITY_CHECK" };
  const [named] = await system.populationDb.database.sql.query<{ last_name: string }>(
    "SELECT last_name FROM person WHERE last_name ~ '^[A-Za-z]+$' LIMIT 1",
  );
  // Served: a four-register query, and a registered document by id.
  expect((await post(worker, { query: PERSON_360, variables: { idcs: subject.idcs } })).status).toBe(200);
  expect(
    (await post(anr, { documentId: `sha256:${createHash("sha256").update(FIRST_PERSONS).digest("hex")}` })).status,
  ).toBe(200);
  // A free-form document named after a person: its name must not become a label.
  expect(
    (await post(worker, { query: `query ${named?.last_name} { persons(first: 1) { edges { node { idcs } } } }` }))
      .status,
  ).toBe(200);
  // Refused: an operation limit (31 aliases, the catalogue allows 30), an unregistered document id,
  // and a caller over its rate limit (40 requests of burst).
  const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ");
  const limited = await post(worker, { query: `{ ${aliases} }` });
  expect(limited.body.errors?.[0]?.extensions?.code).toBe("OPERATION_LIMIT_EXCEEDED");
  const unknown = await post(anr, { documentId: `sha256:${"0".repeat(64)}` });
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  const citizen: Caller = { sub: "citizen:metrics", role: "CITIZEN", idcs: subject.idcs, purpose: "SELF_SERVICE" };
  burst = await Promise.all(Array.from({ length: 60 }, () => post(citizen, { query: "{ __typename }" })));
  expect(burst.some((answer) => answer.status === 429)).toBe(true);

  // Statistics, computed for the first answer (their snapshots' age and cost are then known).
  const analyst: Caller = { sub: "msps:metrics", agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" };
  const stats = await post(analyst, {
    query: "{ populationStatistics(by: [REGION]) { count } coverageStatistics(by: [REGIME]) { beneficiaries } }",
  });
  expect(stats.body.errors).toBeUndefined();
  // An event: a death the other registers react to (counted by the relay and by each consumer).
  const [other] = await system.populationDb.database.sql.query<{ idcs: string }>(
    "SELECT idcs FROM person WHERE life_status = 'ALIVE' AND idcs <> $1 ORDER BY idcs LIMIT 1",
    [subject.idcs],
  );
  const death = await post(anr, {
    query: "mutation($idcs: ID!, $d: Date!) { recordDeath(idcs: $idcs, dateOfDeath: $d) { person { idcs } } }",
    variables: { idcs: other?.idcs, d: new Date().toISOString().slice(0, 10) },
  });
  expect(death.body.errors).toBeUndefined();
  await system.drainEvents();

  const urls: Record<string, string> = { gateway: system.gatewayUrl };
  for (const register of REGISTERS) {
    urls[register] = baseUrl(system.subgraphUrls[register] ?? "");
  }
  for (const [service, url] of Object.entries(urls)) {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    scraped[service] = await response.text();
    parsed[service] = parsePrometheusTextFormat(scraped[service] ?? "");
    series[service] = parsePrometheusTextFormat(
      (scraped[service] ?? "").replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"),
    );
  }
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

const family = (service: string, name: string) => parsed[service]?.find((f) => f.name === name);
/** A family's samples with these labels; a histogram's are its `_count` series. */
const samples = (service: string, name: string, labels: Record<string, string> = {}) =>
  (series[service] ?? [])
    // prom-client writes a histogram's series one after the other: each `_count` line is a family here.
    .filter((f) => f.name === (family(service, name)?.type === "HISTOGRAM" ? `${name}_count` : name))
    .flatMap((f) => f.metrics)
    .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels?.[label] === value));
const total = (service: string, name: string, labels: Record<string, string> = {}) =>
  samples(service, name, labels).reduce((sum, sample) => sum + Number(sample.value ?? 0), 0);

describe("the gateway's /metrics", () => {
  it("times operations by registered name, type, agency and outcome", () => {
    expect(
      total("gateway", "graphql_server_request_duration_seconds", {
        graphql_operation_name: "FirstPersons",
        graphql_operation_type: "query",
        agency: "ANR",
        outcome: "ok",
      }),
    ).toBe(1);
    expect(total("gateway", "graphql_server_request_duration_seconds", { agency: "ANSS" })).toBeGreaterThanOrEqual(3);
    expect(total("gateway", "graphql_server_request_duration_seconds", { outcome: "refused" })).toBeGreaterThanOrEqual(
      1,
    );
  });

  it("counts the refusals by code and agency, including those made before anyone is authenticated", () => {
    expect(total("gateway", "spx_gateway_refusals_total", { code: "OPERATION_LIMIT_EXCEEDED", agency: "ANSS" })).toBe(
      1,
    );
    expect(total("gateway", "spx_gateway_refusals_total", { code: "PERSISTED_QUERY_NOT_FOUND", agency: "none" })).toBe(
      1,
    );
    expect(total("gateway", "spx_gateway_refusals_total", { code: "RATE_LIMITED", agency: "CITIZEN" })).toBeGreaterThan(
      0,
    );
    // Counted once, under the caller's agency, not again as a refusal before authentication.
    expect(total("gateway", "spx_gateway_refusals_total", { code: "RATE_LIMITED", agency: "none" })).toBe(0);
    expect(total("gateway", "spx_gateway_refusals_total", { code: "RATE_LIMITED" })).toBe(
      burst.filter((answer) => answer.status === 429).length,
    );
  });

  it("times the calls to each register, and tells each circuit's state", () => {
    for (const register of REGISTERS) {
      expect(
        total("gateway", "http_client_request_duration_seconds", { subgraph_name: register, outcome: "ok" }),
      ).toBeGreaterThan(0);
      expect(samples("gateway", "spx_subgraph_circuit_state", { subgraph_name: register })[0]?.value).toBe("0");
      expect(total("gateway", "spx_subgraph_circuit_short_circuits_total", { subgraph_name: register })).toBe(0);
    }
  });

  it("times the access log's appends, with their batch sizes and failures", () => {
    expect(total("gateway", "spx_access_log_append_duration_seconds")).toBeGreaterThan(0);
    expect(total("gateway", "spx_access_log_batch_entries")).toBeGreaterThan(0);
    expect(total("gateway", "spx_access_log_append_failures_total")).toBe(0);
  });

  it("serves HTTP durations and the process's own figures", () => {
    expect(
      total("gateway", "http_server_request_duration_seconds", {
        http_route: "/graphql",
        http_request_method: "POST",
        http_response_status_code: "429",
      }),
    ).toBeGreaterThan(0);
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds"]) {
      expect(family("gateway", name)).toBeDefined();
    }
  });
});

describe("each register's /metrics", () => {
  it.each(REGISTERS)("%s: SQL statements, pool, REGISTER_BUSY, token refusals, operations, process", (register) => {
    expect(total(register, "spx_sql_statements_total")).toBeGreaterThan(0);
    expect(samples(register, "db_client_connections_usage", { state: "idle" })).toHaveLength(1);
    expect(family(register, "db_client_connections_pending_requests")).toBeDefined();
    expect(family(register, "spx_register_busy_total")).toBeDefined();
    expect(samples(register, "spx_internal_token_rejections_total")).toHaveLength(REJECTION_REASONS.length);
    expect(total(register, "graphql_server_request_duration_seconds", { outcome: "ok" })).toBeGreaterThan(0);
    expect(family(register, "process_resident_memory_bytes")).toBeDefined();
  });

  it("counts the events relayed and handled, and a consumer waiting on a failing event", () => {
    expect(total("population", "spx_events_relayed_total", { stage: "positioned" })).toBeGreaterThanOrEqual(1);
    expect(samples("population", "spx_events_relay_failures_total")).toHaveLength(1);
    for (const register of ["health-insurance", "direct-aid"]) {
      expect(total(register, "spx_events_handled_total", { source: "population" })).toBeGreaterThanOrEqual(1);
      expect(total(register, "spx_events_delivery_failures_total", { source: "population" })).toBe(0);
      expect(samples(register, "spx_events_consumer_retrying", { source: "population" })).toEqual([
        expect.objectContaining({ value: "0" }),
      ]);
    }
  });

  it("tell each statistic's snapshot age and refresh cost, and count failed refreshes", () => {
    const declared: Record<string, string[]> = {
      population: ["populationStatistics"],
      "health-insurance": ["coverageStatistics"],
    };
    for (const [register, statistics] of Object.entries(declared)) {
      for (const statistic of statistics) {
        const [age] = samples(register, "spx_statistics_snapshot_age_seconds", { statistic });
        expect(Number(age?.value)).toBeGreaterThanOrEqual(0);
        expect(Number(age?.value)).toBeLessThan(3600);
        expect(samples(register, "spx_statistics_refresh_duration_seconds", { statistic })).toHaveLength(1);
        expect(total(register, "spx_statistics_refresh_failures_total", { statistic })).toBe(0);
      }
    }
  });

  it("names a planned operation after the registered document behind it", () => {
    expect(
      total("population", "graphql_server_request_duration_seconds", {
        graphql_operation_name: "FirstPersons",
        agency: "ANR",
      }),
    ).toBe(1);
  });
});

describe("label values", () => {
  const subgraphs = [...REGISTERS];
  const allowed: Record<string, readonly string[]> = {
    graphql_operation_name: trustedOperationNames(),
    graphql_operation_type: OPERATION_TYPES,
    agency: agencyLabels(),
    outcome: [...OUTCOMES, ...CALL_OUTCOMES],
    code: REFUSAL_CODES,
    subgraph_name: subgraphs,
    error_code: CALL_OUTCOMES,
    reason: REJECTION_REASONS,
    http_request_method: HTTP_METHODS,
    http_response_status_code: HTTP_STATUS_CODES,
    http_route: ["/graphql", "/healthz", "/metrics", "/readyz", "/.well-known/jwks.json", "/dev/token"],
    state: ["idle", "used"],
    // Statistics: the registers' declared statistics.
    statistic: [
      "populationStatistics",
      "householdStatistics",
      "indexDistribution",
      "coverageStatistics",
      "directAidStatistics",
    ],
    // Events: the producing registers, and the relay's two stages.
    source: ["population", "social-registry"],
    stage: ["positioned", "published"],
  };
  // prom-client's process and Node.js metrics: what they label with is fixed by the library.
  const library = new Set([
    "le",
    "quantile",
    "version",
    "major",
    "minor",
    "patch",
    "space",
    "kind",
    "type",
    "condition",
  ]);

  it("stay within each label's declared set (or `other`)", () => {
    const outside: string[] = [];
    for (const [service, families] of Object.entries(series)) {
      for (const { name, metrics } of families) {
        for (const sample of metrics) {
          for (const [label, value] of Object.entries(sample.labels ?? {})) {
            const set = allowed[label];
            if (set ? !set.includes(value) && value !== OTHER : !library.has(label)) {
              outside.push(`${service} ${name} ${label}="${value}"`);
            }
          }
        }
      }
    }
    expect(outside).toEqual([]);
    // The free-form document named after a person was counted, under `other`.
    expect(
      total("gateway", "graphql_server_request_duration_seconds", { graphql_operation_name: OTHER, agency: "ANSS" }),
    ).toBeGreaterThan(0);
  });

  it("hold none of the personal data of the demo persons", async () => {
    const persons = await system.populationDb.database.sql.query<{
      idcs: string;
      cin: string | null;
      first_name: string;
      last_name: string;
      last_name_ar: string;
      phone: string | null;
    }>("SELECT idcs, cin, first_name, last_name, last_name_ar, phone FROM person");
    expect(persons.length).toBeGreaterThanOrEqual(200);
    const personal = new Set(
      persons
        .flatMap((p) => [p.idcs, p.cin, p.phone?.slice(-9), p.first_name, p.last_name, p.last_name_ar])
        .filter((value): value is string => Boolean(value)),
    );
    const leaks: string[] = [];
    for (const [service, families] of Object.entries(series)) {
      for (const { metrics } of families) {
        for (const sample of metrics) {
          for (const value of Object.values(sample.labels ?? {})) {
            if (personal.has(value) || /\d{10}/.test(value)) {
              leaks.push(`${service}: ${value}`);
            }
          }
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});

describe("the dashboard and the alert rules", () => {
  /** Metric names in PromQL expressions: label matchers, grouping clauses and strings left out. */
  const metricNames = (expressions: string[]) => {
    const names = new Set<string>();
    for (const expression of expressions) {
      const bare = expression
        .replace(/"[^"]*"/g, '""')
        .replace(/\{[^}]*\}/g, "")
        .replace(/\b(by|without)\s*\([^)]*\)/g, "");
      for (const [name] of bare.matchAll(/\b(?:spx|http|graphql|db|process|nodejs)_[a-z0-9_]+\b/g)) {
        names.add(name);
      }
    }
    return names;
  };
  /** Every series name a service serves, a histogram's `_bucket`, `_sum` and `_count` included. */
  const served = () => new Set(Object.values(series).flatMap((families) => families.map((f) => f.name)));

  it("name only metrics a service serves", () => {
    const dashboard = JSON.parse(readFileSync(path.join(OBSERVABILITY, "grafana-dashboard.json"), "utf8")) as {
      panels: { targets?: { expr: string }[] }[];
      templating: { list: { definition?: string }[] };
    };
    const expressions = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.templating.list.map((variable) => variable.definition ?? ""),
    ];
    const alerts = readFileSync(path.join(OBSERVABILITY, "alerts.yml"), "utf8");
    const alertExpressions = [...alerts.matchAll(/expr: (?:\|\n((?: {10}.*\n)+)|(.*))/g)].map(
      (m) => m[1] ?? m[2] ?? "",
    );
    expect(alertExpressions.length).toBeGreaterThanOrEqual(6);
    const used = metricNames([...expressions, ...alertExpressions]);
    expect(used.size).toBeGreaterThan(15);
    const available = served();
    expect([...used].filter((name) => !available.has(name))).toEqual([]);
  });

  it("pass promtool: the rules check, and a real /metrics output lints clean", () => {
    const rules = spawnSync("promtool", ["check", "rules", path.join(OBSERVABILITY, "alerts.yml")], {
      encoding: "utf8",
    });
    expect(rules.error).toBeUndefined();
    expect(`${rules.stdout}${rules.stderr}`).toMatch(/SUCCESS: 9 rules found/);
    expect(rules.status).toBe(0);
    // prom-client's own defaults name three gauges with a `_total` suffix (kept by the library for
    // compatibility); everything else, all of our families included, must lint clean.
    const LIBRARY_NAMES =
      /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    for (const service of Object.keys(scraped)) {
      const lint = spawnSync("promtool", ["check", "metrics"], { input: scraped[service], encoding: "utf8" });
      expect(lint.error).toBeUndefined();
      const problems = `${lint.stdout}${lint.stderr}`.split("\n").filter((line) => line && !LIBRARY_NAMES.test(line));
      expect({ service, problems }).toEqual({ service, problems: [] });
    }
  });
});
