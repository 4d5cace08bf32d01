import { DEFAULT_RESILIENCE, type ResilienceSettings } from "@spx/gateway/edge/resilience-settings";
import { healthInsurance as healthInsuranceSubgraph } from "@spx/health-insurance/subgraph";
import type { Caller } from "@spx/runtime/access";
import { tokenKeyEntry } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { registerPerson } from "./testkit/fixtures.js";
import {
  type AnotherGateway,
  AUDIENCE,
  ISSUER,
  type RunningSystem,
  startAnotherGateway,
  startSystem,
} from "./testkit/start-system.js";
import { type SubgraphProcess, startSubgraphProcess } from "./testkit/subgraph-process.js";
import { startTcpProxy, type TcpProxy } from "./testkit/tcp-proxy.js";

/*
 * A register that stops answering, seen from the client: the health-insurance subgraph runs as its
 * own process (so that SIGSTOP freezes it while everything else runs on), reached by the gateway
 * through a TCP proxy that shows when the gateway hangs up on it.
 */

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "cnss:agent-17", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" };
const QUERY = `query Coverage($idcs: ID!) {
  person(idcs: $idcs) { idcs firstName lastName healthCoverage { regime status } household { eligibility { program eligible } } }
}`;
const SUBGRAPH = "health-insurance";
// The defaults but for a short reset, so that the test sees the circuit close again.
const RESILIENCE: ResilienceSettings = {
  ...DEFAULT_RESILIENCE,
  breaker: { ...DEFAULT_RESILIENCE.breaker, resetTimeoutMs: 1_500 },
};

interface Answer {
  person: {
    idcs: string;
    firstName: string;
    healthCoverage: unknown;
    household: unknown;
  } | null;
}

let system: RunningSystem;
let proxy: TcpProxy;
let insurer: SubgraphProcess | undefined;
let insurerDb: TestDatabase | undefined;
let idcs: string;
let token: string;

beforeAll(async () => {
  proxy = await startTcpProxy();
  system = await startSystem({
    label: "resilience",
    subgraphUrls: { [SUBGRAPH]: `http://127.0.0.1:${proxy.port}/graphql` },
    resilience: RESILIENCE,
  });
  insurerDb = await createTestDatabase("resilience_amo_process", healthInsuranceSubgraph.migrationsDir);
  if (!insurerDb.url) {
    throw new Error("this test needs PostgreSQL: the register runs as its own process");
  }
  insurer = await startSubgraphProcess(SUBGRAPH, {
    HEALTH_INSURANCE_PORT: "0",
    HEALTH_INSURANCE_DATABASE_URL: insurerDb.url,
    // The register's own key of the system's gateway tokens, as `npm run -s token-key` prints it.
    GATEWAY_TOKEN_KEYS: tokenKeyEntry(system.gatewayKey.registerKey(SUBGRAPH)),
    GATEWAY_URL: `${system.gatewayUrl}/graphql`,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    DATA_DIR: "/nonexistent",
    LOG_LEVEL: "info",
  });
  proxy.target = { host: "127.0.0.1", port: insurer.port };
  idcs = await registerPerson(system, await system.token(anr), { firstName: "Hafsa", birthDate: "1984-02-02" });
  token = await system.token(cnss);
}, 120_000);

afterAll(async () => {
  await insurer?.stop();
  await system?.stop();
  await proxy?.close();
  await insurerDb?.drop();
});

async function ask(gatewayUrl = system.gatewayUrl, signal?: AbortSignal) {
  const started = performance.now();
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { idcs } }),
    ...(signal ? { signal } : {}),
  });
  const body = (await response.json()) as {
    data?: Answer;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
  return { body, ms: performance.now() - started };
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (!condition() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe("a register that stops answering", () => {
  it("is served in full while it answers", async () => {
    const { body } = await ask();
    expect(body.errors).toBeUndefined();
    expect(body.data?.person).toMatchObject({ idcs, firstName: "Hafsa", healthCoverage: null });
  });

  it("stops the gateway's call to it when the client hangs up", async () => {
    insurer?.pause();
    try {
      const closedBefore = proxy.closedAt.length;
      const client = new AbortController();
      const asked = ask(system.gatewayUrl, client.signal).catch((error: unknown) => error);
      // The gateway's call is under way once the proxy has a connection from it that stays open.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const abortedAt = performance.now();
      client.abort();
      expect(await asked).toMatchObject({ name: "AbortError" });
      expect(await waitFor(() => proxy.closedAt.length > closedBefore, 2_000)).toBe(true);
      const hungUpAfter = (proxy.closedAt[closedBefore] ?? Number.NaN) - abortedAt;
      // Far sooner than the 3 s the call would otherwise have waited.
      expect(hungUpAfter).toBeLessThan(1_000);
      console.info(`gateway hung up on the frozen register ${hungUpAfter.toFixed(0)} ms after the client`);
    } finally {
      insurer?.resume();
    }
  });

  it("answers every other field, and the missing one null with SUBGRAPH_UNAVAILABLE at its path, within the timeout", async () => {
    // The cancelled call above must not count against the register: it still answers in full.
    expect((await ask()).body.errors).toBeUndefined();
    insurer?.pause();
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask()));
    for (const { body, ms } of answers) {
      expect(ms).toBeLessThan(3_500);
      expect(body.data?.person).toMatchObject({ idcs, firstName: "Hafsa", healthCoverage: null, household: null });
      expect(body.errors).toEqual([
        {
          message: `The ${SUBGRAPH} register did not answer`,
          path: ["person", "healthCoverage"],
          extensions: {
            code: "SUBGRAPH_UNAVAILABLE",
            serviceName: SUBGRAPH,
            reason: "TIMEOUT",
            requestId: expect.any(String),
          },
        },
      ]);
      // Nothing about where the register lives.
      expect(JSON.stringify(body)).not.toContain(String(proxy.port));
    }
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.info(`SUBGRAPH_UNAVAILABLE after SIGSTOP: slowest of 6 concurrent answers in ${slowest.toFixed(0)} ms`);
  }, 20_000);

  it("fails fast once the circuit is open, and closes it again once the register answers", async () => {
    const fast = await ask();
    expect(fast.body.errors?.[0]?.extensions).toEqual({
      code: "SUBGRAPH_UNAVAILABLE",
      serviceName: SUBGRAPH,
      reason: "CIRCUIT_OPEN",
      requestId: expect.any(String),
    });
    expect(fast.body.data?.person?.firstName).toBe("Hafsa");
    expect(fast.ms).toBeLessThan(500);
    console.info(`answer with the circuit open: ${fast.ms.toFixed(0)} ms`);
    insurer?.resume();
    const resumed = performance.now();
    let answer = await ask();
    while (answer.body.errors && performance.now() - resumed < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await ask();
    }
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.person).toMatchObject({ idcs, healthCoverage: null });
    // Not before the reset timeout: the open circuit let nothing through until then.
    const closedAfter = performance.now() - resumed;
    expect(closedAfter).toBeGreaterThanOrEqual(RESILIENCE.breaker.resetTimeoutMs - 1_000);
    console.info(`served in full again ${closedAfter.toFixed(0)} ms after SIGCONT`);
  }, 20_000);
});

describe("the request deadline", () => {
  let gateway: AnotherGateway | undefined;

  afterAll(async () => {
    await gateway?.stop();
  });

  it("ends a request whose subgraph calls outlast it, with what was served", async () => {
    // A deadline shorter than the subgraph's timeout: only the deadline can end this call early.
    gateway = await startAnotherGateway(system, {
      resilience: { ...RESILIENCE, requestTimeoutMs: 1_000, subgraphTimeoutMs: 5_000 },
    });
    insurer?.pause();
    try {
      const { body, ms } = await ask(gateway.url);
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2_000);
      expect(body.data?.person?.firstName).toBe("Hafsa");
      expect(body.errors).toEqual([
        expect.objectContaining({
          path: ["person", "healthCoverage"],
          extensions: {
            code: "SUBGRAPH_UNAVAILABLE",
            serviceName: SUBGRAPH,
            reason: "DEADLINE",
            requestId: expect.any(String),
          },
        }),
      ]);
      console.info(`deadline of 1000 ms: answered in ${ms.toFixed(0)} ms`);
    } finally {
      insurer?.resume();
    }
  }, 20_000);
});
