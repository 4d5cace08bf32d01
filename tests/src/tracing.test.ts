import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PERSON_360, type Person360 } from "./testkit/fixtures.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./testkit/otlp-receiver.js";
import { leaked, PERSON_COLUMNS, type PersonRow, personalValuesOf } from "./testkit/personal-data.js";
import {
  freePort,
  type SeededDatabases,
  type ServiceProcess,
  seedProductionDatabases,
  startServiceProcess,
} from "./testkit/production-system.js";

/*
 * Traces as an operator sees them: every service its own built `dist/main.js` (so that each has
 * its own resource, `service.name`), as `npm start` runs them in development, on PostgreSQL
 * databases filled with the first demo persons, exporting OTLP/HTTP JSON to a collector stand-in
 * in this process. Needs PostgreSQL (TEST_DATABASE_URL).
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The README's demo person: head of a household in AMO-Tadamon and in direct aid, region 02. */
const DEMO_PERSON = { idcs: "1062609475", region: "02" };
const REGISTERS = ["population", "social-registry", "health-insurance", "direct-aid"] as const;
const SERVICES = ["gateway", ...REGISTERS];

let receiver: OtlpReceiver;
let databases: SeededDatabases | undefined;
let dataDir = "";
let gatewayUrl = "";
const processes: ServiceProcess[] = [];
const prefixOf = (name: string) => name.toUpperCase().replaceAll("-", "_");

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  databases = await seedProductionDatabases("tracing", 400);
  dataDir = mkdtempSync(path.join(tmpdir(), "spx-tracing-"));
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const common = {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    DATA_DIR: dataDir,
    DEMO_SEED: "false",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    // Every request recorded, so that the one the test sends is; the default samples 1 in 10.
    OTEL_TRACES_SAMPLER_ARG: "1",
    OTEL_BSP_SCHEDULE_DELAY: "200",
  };
  const started = (service: ServiceProcess) => processes.push(service);
  const urls: Record<string, string> = {};
  // The gateway first: it makes the development keys under DATA_DIR that the registers read.
  const registerPorts = await Promise.all(REGISTERS.map(() => freePort()));
  REGISTERS.forEach((name, index) => {
    urls[`${prefixOf(name)}_URL`] = `http://127.0.0.1:${registerPorts[index]}/graphql`;
  });
  await startServiceProcess(
    "gateway",
    "gateway/dist/main.js",
    {
      ...common,
      GATEWAY_PORT: String(gatewayPort),
      ACCESS_LOG_DATABASE_URL: databases.accessLog.url ?? "",
      ...urls,
    },
    started,
  );
  const seeded = {
    population: databases.population,
    "social-registry": databases.socialRegistry,
    "health-insurance": databases.healthInsurance,
    "direct-aid": databases.directAid,
  };
  await Promise.all(
    REGISTERS.map((name, index) =>
      startServiceProcess(
        name,
        `subgraphs/${name}/dist/main.js`,
        {
          ...common,
          GATEWAY_URL: `${gatewayUrl}/graphql`,
          [`${prefixOf(name)}_PORT`]: String(registerPorts[index]),
          [`${prefixOf(name)}_DATABASE_URL`]: seeded[name].url ?? "",
        },
        started,
      ),
    ),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  await receiver?.close();
  await databases?.drop();
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A development token, as `npm run token` prints it. */
async function token(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [`${ROOT}gateway/dist/cli/token.js`, ...args], {
    cwd: ROOT,
    env: { NODE_ENV: "development", DATA_DIR: dataDir },
  });
  return stdout.trim();
}

async function ask<Data>(bearer: string, query: string, variables: Record<string, unknown>, headers = {}) {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${bearer}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: Data;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    },
  };
}

const caseWorker = () =>
  token(["--agency", "ANSS", "--role", "CASE_WORKER", "--region", DEMO_PERSON.region, "--purpose", "CASE_MANAGEMENT"]);

const logLines = (service: ServiceProcess) =>
  service
    .output()
    .split("\n")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

const service = (name: string) => {
  const found = processes.find((p) => p.name === name);
  if (!found) {
    throw new Error(`${name} is not running`);
  }
  return found;
};

const explain = () => processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join("\n");

/** The id of the trace the gateway recorded for the request with this request id, from its log line. */
async function traceOfRequest(requestId: string): Promise<string | undefined> {
  // The line may still be on its way through the pipe when the answer has arrived.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = logLines(service("gateway")).find((l) => l.requestId === requestId && l.msg === "operation");
    if (line || Date.now() > deadline) {
      return typeof line?.traceId === "string" ? line.traceId : undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("traces across the gateway and the four registers", () => {
  let person: Person360["person"] | undefined;
  let traceId = "";
  let trace: ReceivedSpan[] = [];

  beforeAll(async () => {
    const response = await fetch(`${gatewayUrl}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await caseWorker()}`,
        "x-request-id": "tracing-person-360",
        // An outside client's trace is not continued: the gateway starts its own.
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
      body: JSON.stringify({ query: PERSON_360, variables: { idcs: DEMO_PERSON.idcs } }),
    });
    const body = (await response.json()) as { data?: Person360; errors?: unknown[] };
    expect({ errors: body.errors, explain: body.errors ? explain() : "" }).toEqual({ errors: undefined, explain: "" });
    person = body.data?.person;
    traceId = (await traceOfRequest("tracing-person-360")) ?? "";
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // The registers' spans arrive with their own batches: wait for every service of the trace.
    await receiver.until((spans) => {
      const services = new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service));
      return SERVICES.every((name) => services.has(name)) && spans.some((s) => s.name === "spx.access_log.append");
    });
    trace = receiver.spans.filter((span) => span.traceId === traceId);
  }, 60_000);

  it("makes the README's cross-programme query one trace holding spans of the gateway and all four registers", () => {
    expect(person?.household?.directAid?.status).toBe("ACTIVE");
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(SERVICES));
    // One root: the gateway's SERVER span, named after the operation's type.
    const roots = trace.filter((span) => span.parentSpanId === undefined);
    expect(roots.map((span) => [span.service, span.name, span.kind])).toEqual([["gateway", "query", 2]]);
    expect(roots[0]?.attributes).toMatchObject({
      "graphql.operation.type": "query",
      "graphql.operation.name": "Person360",
      "spx.agency": "ANSS",
      "spx.role": "CASE_WORKER",
      "spx.purpose": "CASE_MANAGEMENT",
      "http.response.status_code": 200,
      "spx.trace.inbound_ignored": true,
    });
    expect(roots[0]?.links).toEqual([{ traceId: "0af7651916cd43dd8448eb211c80319c" }]);
    // Every span's parent is in the trace: nothing dangles from an unexported span.
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId)).map((s) => s.name)).toEqual([]);
    // Each register's SERVER span continues the gateway's context, with the caller's codes.
    for (const name of REGISTERS) {
      const served = trace.filter((span) => span.service === name && span.kind === 2);
      expect(served.length).toBeGreaterThan(0);
      expect(served[0]?.attributes).toMatchObject({ "graphql.operation.type": "query", "spx.role": "CASE_WORKER" });
    }
  });

  it("records @apollo/gateway's own spans and each subgraph fetch with its subgraph's name and HTTP status", () => {
    const names = new Set(trace.filter((span) => span.service === "gateway").map((span) => span.name));
    for (const name of ["gateway.request", "gateway.plan", "gateway.execute", "gateway.fetch", "spx.authorize"]) {
      expect(names).toContain(name);
    }
    const fetched = trace
      .filter((span) => span.name === "gateway.fetch" && span.attributes["subgraph.name"] !== undefined)
      .map((span) => [span.attributes["subgraph.name"], span.attributes["http.response.status_code"]]);
    expect(new Set(fetched.map(([name]) => name))).toEqual(new Set(REGISTERS));
    expect(fetched.every(([, status]) => status === 200)).toBe(true);
    // No document, operation text or variables: @apollo/gateway's includeDocument stays off.
    expect(trace.some((span) => "graphql.document" in span.attributes)).toBe(false);
  });

  it("records SQL statements parameterized, with rows, and loader batches with their number of keys", () => {
    const statements = trace.filter((span) => span.name === "db.query");
    expect(new Set(statements.map((span) => span.service))).toEqual(new Set(REGISTERS));
    for (const span of statements) {
      expect(span.attributes["db.system.name"]).toBe("postgresql");
      expect(span.attributes["db.query.text"]).toMatch(/^(SELECT|INSERT|UPDATE|WITH|DELETE)/);
      expect(typeof span.attributes["db.response.returned_rows"]).toBe("number");
    }
    // The person was found by a parameter, not by its IDCS written into the statement.
    expect(statements.some((span) => String(span.attributes["db.query.text"]).includes("$1"))).toBe(true);
    const batches = trace.filter((span) => span.name === "loader.batch");
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((span) => Number(span.attributes["spx.loader.keys"]) >= 1)).toBe(true);
  });

  it("records the access-log append in the request's trace", () => {
    const appends = receiver.spans.filter(
      (span) =>
        span.name === "spx.access_log.append" &&
        (span.traceId === traceId || span.links.some((l) => l.traceId === traceId)),
    );
    expect(appends.length).toBeGreaterThan(0);
    expect(Number(appends[0]?.attributes["spx.access_log.entries"])).toBeGreaterThanOrEqual(1);
  });

  it("writes the trace id in the services' log lines", () => {
    const gatewayLine = logLines(service("gateway")).find((line) => line.requestId === "tracing-person-360");
    expect(gatewayLine?.traceId).toBe(traceId);
    for (const name of REGISTERS) {
      expect(logLines(service(name)).some((line) => line.traceId === traceId)).toBe(true);
    }
  });
});

it("gives an error response the trace id beside the request id, and that trace is recorded", async () => {
  const { body } = await ask(await caseWorker(), "query ($i: ID!) { person(idcs: $i) { firstName } }", {
    i: "not-an-idcs",
  });
  const traceId = body.errors?.[0]?.extensions?.traceId;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  await receiver.until((spans) => spans.some((span) => span.traceId === traceId && span.service === "gateway"));
  const root = receiver.spans.find((span) => span.traceId === traceId && span.parentSpanId === undefined);
  expect(root?.attributes["spx.error.codes"]).toEqual([body.errors?.[0]?.extensions?.code]);
  // The error's status is kept, not its message (which could echo the input).
  expect(receiver.spans.some((span) => span.status.message)).toBe(false);
});

it("continues the trace of a call made by one of the system's own registers (a SERVICE caller)", async () => {
  const inbound = "4bf92f3577b34da6a3ce929d0e0e4736";
  const { status } = await ask(
    await token(["--agency", "CNSS", "--role", "SERVICE", "--purpose", "AMO_ENROLMENT", "--sub", "health-insurance"]),
    "query ($i: ID!) { person(idcs: $i) { idcs } }",
    { i: DEMO_PERSON.idcs },
    { traceparent: `00-${inbound}-00f067aa0ba902b7-01` },
  ).catch(() => ({ status: 0 }));
  expect(status).toBeGreaterThan(0);
  await receiver.until((spans) => spans.some((span) => span.traceId === inbound && span.service === "gateway"));
  const root = receiver.spans.find((span) => span.traceId === inbound && span.service === "gateway" && span.kind === 2);
  expect(root?.parentSpanId).toBe("00f067aa0ba902b7");
});

it("answers a request whose token is refused 401 as ever, in a trace of the gateway's own, though it sent a traceparent", async () => {
  const forged = "11111111111111111111111111111111";
  const { status, body } = await ask(
    "not-a-token",
    "{ __typename }",
    {},
    { traceparent: `00-${forged}-2222222222222222-01` },
  );
  expect(status).toBe(401);
  expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  const traceId = body.errors?.[0]?.extensions?.traceId;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(traceId).not.toBe(forged);
  await receiver.until((spans) => spans.some((span) => span.traceId === traceId && span.parentSpanId === undefined));
  expect(receiver.spans.some((span) => span.traceId === forged)).toBe(false);
});

it("keeps a register's call to another register, through the gateway, in the trace of the request that caused it", async () => {
  const insurer = await token(["--agency", "CNSS", "--role", "SYSTEM", "--purpose", "AMO_ENROLMENT"]);
  // Health insurance asks the population register, through the gateway, for the persons' facts.
  const { status } = await ask(
    insurer,
    "mutation ($input: RegisterAffiliationInput!) { registerAffiliation(input: $input) { affiliation { id } } }",
    { input: { principalIdcs: DEMO_PERSON.idcs, regime: "AMO_SALARIED", dependants: [] } },
    { "x-request-id": "tracing-register-call" },
  );
  expect(status).toBeLessThan(500);
  const traceId = (await traceOfRequest("tracing-register-call")) ?? "";
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  const inTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
  await receiver.until(() => {
    const call = inTrace().find((span) => span.name === "graphql.call");
    return (
      call !== undefined && inTrace().some((span) => span.service === "gateway" && span.parentSpanId === call.spanId)
    );
  });
  const call = inTrace().find((span) => span.name === "graphql.call");
  expect(call).toMatchObject({ service: "health-insurance", kind: 3 });
  expect(call?.attributes["graphql.document.id"]).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(call?.attributes["http.response.status_code"]).toBe(200);
  // The gateway continued the register's context: its SERVER span for the inner call is the call's child.
  const inner = inTrace().find((span) => span.service === "gateway" && span.parentSpanId === call?.spanId);
  expect(inner).toMatchObject({ kind: 2, attributes: expect.objectContaining({ "spx.role": "SERVICE" }) });
  await receiver.until(() => inTrace().some((span) => span.service === "population"));
});

it("lets no IDCS, CIN, name, telephone or amount of the persons served into any span", async () => {
  // More of the demo data through the registers, and personal data where the client may put it.
  const bearer = await caseWorker();
  const [known] = await (databases?.population.database.sql.query<{ idcs: string; cin: string }>(
    "SELECT idcs, cin FROM person WHERE cin IS NOT NULL AND region_code = $1 LIMIT 1",
    [DEMO_PERSON.region],
  ) ?? []);
  const runs: [string, Record<string, unknown>][] = [
    ["{ persons(first: 20) { edges { node { idcs cin firstName lastName phone address { commune } } } } }", {}],
    [`query Lookup${known?.idcs} ($i: ID!) { person(idcs: $i) { firstName lastName } }`, { i: known?.idcs }],
    ["query ($i: ID!) { person(idcs: $i) { firstName } }", { i: known?.cin }],
    [`{ person(idcs: "${known?.idcs}") { firstName household { directAid { payments(last: 3) { amount } } } } }`, {}],
  ];
  const traces: string[] = [];
  for (const [index, [query, variables]] of runs.entries()) {
    const requestId = `tracing-pii-${index}`;
    expect((await ask(bearer, query, variables, { "x-request-id": requestId })).status).toBeLessThan(500);
    traces.push((await traceOfRequest(requestId)) ?? "");
  }
  // Each request's root span, then a few of the registers' batches more.
  await receiver.until((spans) =>
    traces.every((id) => spans.some((span) => span.traceId === id && span.parentSpanId === undefined)),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const touched = await (databases?.accessLog.database.sql.query<{ idcs: string }>(
    "SELECT DISTINCT unnest(persons) AS idcs FROM access_log",
  ) ?? []);
  expect(touched.length).toBeGreaterThan(20);
  const persons = await (databases?.population.database.sql.query<PersonRow>(
    `SELECT ${PERSON_COLUMNS} FROM person WHERE idcs = ANY($1)`,
    [touched.map((t) => t.idcs)],
  ) ?? []);
  const amounts = await (databases?.directAid.database.sql.query<{ amount: string }>(
    "SELECT DISTINCT amount::text AS amount FROM payment_order LIMIT 50",
  ) ?? []);
  expect(persons.length).toBe(touched.length);
  const collected = receiver.spans
    .flatMap((span) => [
      span.name,
      ...Object.values(span.attributes).flat(),
      ...span.events.flatMap((event) => [event.name, ...Object.values(event.attributes).flat()]),
      span.status.message,
    ])
    .filter((value) => value !== undefined)
    .map(String)
    .join("\n");
  expect(leaked([...personalValuesOf(persons), ...amounts.map((a) => a.amount)], collected)).toEqual([]);
});
