import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { createLogger } from "@spx/runtime/logging";
import { createSubgraph } from "@spx/runtime/subgraph";
import { InternalTokenSigner } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { type ServiceProcess, startServiceProcess } from "./testkit/production-system.js";
import { type SubgraphProcess, startSubgraphProcess } from "./testkit/subgraph-process.js";
import { startTcpProxy, type TcpProxy } from "./testkit/tcp-proxy.js";

/*
 * Stopping a service as an orchestrator does (SIGTERM), with a request in flight: each service is
 * its own built `dist/main.js`, as `npm start` runs it. The register's request is held up in
 * PostgreSQL by freezing a TCP proxy in front of it; the gateway's by freezing its register
 * (SIGSTOP), so that its call never answers.
 */

const GRACE_SECONDS = 2;
const QUERY = "{ persons(first: 10) { edges { node { idcs } } } }";

let database: TestDatabase | undefined;
let proxy: TcpProxy | undefined;
const dataDirs: string[] = [];
const started: { stop(): Promise<void> }[] = [];

const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "spx-drain-"));
  dataDirs.push(dir);
  return dir;
};

beforeAll(async () => {
  database = await createTestDatabase("drain_rnp", populationSubgraph.migrationsDir);
  if (!database.url) {
    throw new Error("this test needs PostgreSQL: the register runs as its own process");
  }
  const key = InternalTokenSigner.generate();
  const app = await createSubgraph(populationSubgraph, {
    database: database.database,
    dataDir: "",
    tokenKeys: key.keyringFor("population"),
    logger: createLogger("seed", "silent"),
    demoSeed: false,
  });
  const { seedDemoIfEmpty } = await import("@spx/population/seed/seed-demo");
  await seedDemoIfEmpty(app.prisma, { persons: 20 });
  await app.close();
  const target = new URL(database.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
}, 60_000);

afterAll(async () => {
  for (const service of started.reverse()) {
    await service.stop();
  }
  await proxy?.close();
  await database?.drop();
  for (const dir of dataDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The register's settings: no token asked (bench), its PostgreSQL through `databaseUrl`. */
function populationEnv(databaseUrl: string): Record<string, string> {
  return {
    // As `npm start` runs it: under NODE_ENV=test Apollo Server leaves signals alone, elsewhere it
    // once stopped itself on SIGTERM and sent the signal again, cutting the close short.
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    POPULATION_PORT: "0",
    POPULATION_DATABASE_URL: databaseUrl,
    SUBGRAPH_UNAUTHENTICATED: "bench",
    DEMO_SEED: "false",
    DATA_DIR: dataDir(),
    LOG_LEVEL: "info",
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
  };
}

const ask = (url: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY }),
  });

const logLines = (service: ServiceProcess, msg: string) =>
  service
    .output()
    .split("\n")
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.msg === msg ? [parsed] : [];
      } catch {
        return [];
      }
    });

/** The population register on the test database through the TCP proxy, answering once. */
async function startRegisterBehindProxy() {
  if (!database?.url || !proxy) {
    throw new Error("no database");
  }
  const throughProxy = new URL(database.url);
  throughProxy.port = String(proxy.port);
  let register: ServiceProcess | undefined;
  const service = await startServiceProcess(
    "population",
    "subgraphs/population/dist/main.js",
    populationEnv(throughProxy.toString()),
    (process) => {
      register = process;
      started.push(process);
    },
  );
  expect((await ask(`${service.url}/graphql`)).status).toBe(200);
  return { service, register, proxy };
}

it("a register stopped with a request in flight says 503 on /readyz, answers that request in full and exits within the grace", async () => {
  const { service, register, proxy } = await startRegisterBehindProxy();

  proxy.freeze();
  const inFlight = ask(`${service.url}/graphql`);
  // Long enough for the request to reach its (frozen) statement.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const signalled = performance.now();
  const stopped = register?.stop().then(() => performance.now() - signalled);

  await new Promise((resolve) => setTimeout(resolve, 200));
  const readiness = await fetch(`${service.url}/readyz`);
  expect(readiness.status).toBe(503);
  expect(await readiness.json()).toEqual({ status: "draining" });
  const refused = await ask(`${service.url}/graphql`);
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
    "SHUTTING_DOWN",
  );

  proxy.thaw();
  const answer = await inFlight;
  expect(answer.status).toBe(200);
  expect(answer.headers.get("connection")).toBe("close");
  const body = (await answer.json()) as {
    data?: { persons: { edges: { node: { idcs: string } }[] } };
    errors?: unknown;
  };
  expect(body.errors).toBeUndefined();
  expect(body.data?.persons.edges).toHaveLength(10);

  const exitedAfterMs = (await stopped) ?? Number.NaN;
  console.info(`register exited ${exitedAfterMs.toFixed(0)} ms after SIGTERM`);
  expect(exitedAfterMs).toBeLessThan((GRACE_SECONDS + 2) * 1_000);
  expect(logLines(service, "draining")).toEqual([expect.objectContaining({ signal: "SIGTERM", inFlight: 1 })]);
  expect(logLines(service, "drained")).toEqual([expect.objectContaining({ inFlight: 1, finished: 1, cut: 0 })]);
  expect(logLines(service, "did not stop in time: exiting")).toEqual([]);
  // One SIGTERM is one signal: nothing else (Apollo's own handler once) sends it again mid-close.
  expect(logLines(service, "second signal: exiting at once")).toEqual([]);
  expect(service.exitCode()).toBe(0);
});

it("a register whose database never answers cuts the request at the grace's end and exits", async () => {
  const { service, register, proxy } = await startRegisterBehindProxy();
  proxy.freeze();
  try {
    const inFlight = ask(`${service.url}/graphql`).then(
      (response) => response.status,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = performance.now();
    await register?.stop();
    const exitedAfterMs = performance.now() - signalled;
    console.info(`register exited ${exitedAfterMs.toFixed(0)} ms after SIGTERM, its database frozen`);
    expect(exitedAfterMs).toBeGreaterThanOrEqual(GRACE_SECONDS * 1_000);
    expect(exitedAfterMs).toBeLessThan((GRACE_SECONDS + 2) * 1_000);
    expect(await inFlight).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(logLines(service, "drained")).toEqual([expect.objectContaining({ inFlight: 1, finished: 0, cut: 1 })]);
  } finally {
    proxy.thaw();
  }
});

it("a gateway whose register never answers exits within the grace after SIGTERM and frees its embedded access log", async () => {
  if (!database?.url) {
    throw new Error("no database");
  }
  const register: SubgraphProcess = await startSubgraphProcess("population", populationEnv(database.url));
  started.push(register);
  const gatewayDir = dataDir();
  const gatewayEnv = {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    DATA_DIR: gatewayDir,
    LOG_LEVEL: "info",
    GATEWAY_AUTHENTICATION: "off",
    POPULATION_URL: register.url,
    // The call would wait far longer than the grace: only the drain ends it.
    SUBGRAPH_TIMEOUT_MS: "60000",
    GATEWAY_REQUEST_TIMEOUT_MS: "90000",
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
  };
  let gateway: ServiceProcess | undefined;
  const first = await startServiceProcess("gateway", "gateway/dist/main.js", gatewayEnv, (process) => {
    gateway = process;
    started.push(process);
  });
  expect((await ask(`${first.url}/graphql`)).status).toBe(200);

  register.pause();
  const hanging = ask(`${first.url}/graphql`).then(
    (response) => response.status,
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const signalled = performance.now();
  await gateway?.stop();
  const exitedAfterMs = performance.now() - signalled;
  console.info(`gateway exited ${exitedAfterMs.toFixed(0)} ms after SIGTERM, its register frozen`);
  expect(exitedAfterMs).toBeLessThan((GRACE_SECONDS + 2) * 1_000);
  // Its client sees the connection cut at the grace's end, not an answer made up.
  expect(await hanging).toMatchObject({ name: "TypeError", message: "fetch failed" });
  expect(logLines(first, "drained")).toEqual([expect.objectContaining({ inFlight: 1, finished: 0, cut: 1 })]);
  expect(logLines(first, "did not stop in time: exiting")).toEqual([]);
  expect(logLines(first, "second signal: exiting at once")).toEqual([]);
  expect(first.exitCode()).toBe(0);

  // The embedded access log was closed: a new gateway opens it on the same DATA_DIR.
  register.resume();
  const second = await startServiceProcess("gateway", "gateway/dist/main.js", gatewayEnv, (process) => {
    started.push(process);
  });
  expect((await ask(`${second.url}/graphql`)).status).toBe(200);
  await second.stop();
  expect(logLines(second, "drained")).toEqual([expect.objectContaining({ inFlight: 0, cut: 0 })]);
});

const RUNTIME = fileURLToPath(new URL("../../subgraphs/runtime/dist/", import.meta.url));

/**
 * A service reduced to the runtime's server and stopOnSignals, whose close never ends (as a pool
 * waiting on a hung database would): what the hard timer and a second signal are for.
 */
async function startStuckService(graceSeconds: number) {
  const script = path.join(dataDir(), "stuck-service.mjs");
  writeFileSync(
    script,
    `import { listen } from ${JSON.stringify(`${RUNTIME}server/http-server.js`)};
import { createLogger } from ${JSON.stringify(`${RUNTIME}logging/logger.js`)};
import { stopOnSignals } from ${JSON.stringify(`${RUNTIME}server/signals.js`)};
const log = createLogger("stuck", "info");
// /slow is never answered.
const running = await listen((req, res) => req.url === "/slow" || res.end("ok"), 0);
log.info({ url: running.url }, "listening");
// A close that never ends, holding the event loop as a socket waiting on a hung peer would.
stopOnSignals(log, { server: running, graceSeconds: ${graceSeconds}, close: () => new Promise(() => setInterval(() => {}, 1_000)) });
`,
  );
  const child = spawn(process.execPath, [script], { env: {}, stdio: ["ignore", "pipe", "pipe"] });
  started.push({ stop: async () => void child.kill("SIGKILL") });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: performance.now() })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const match = /"url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        resolve(match[1]);
      }
    });
    void exited.then(() => reject(new Error(`exited before listening: ${output}`)));
  });
  const slow = fetch(`${url}/slow`).catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { child, exited, output: () => output, slow };
}

it("a service whose close never ends exits a second after the grace, with status 1", async () => {
  const stuck = await startStuckService(1);
  const signalled = performance.now();
  stuck.child.kill("SIGTERM");
  const { code, at } = await stuck.exited;
  expect(code).toBe(1);
  expect(at - signalled).toBeGreaterThanOrEqual(2_000);
  expect(at - signalled).toBeLessThan(3_000);
  expect(stuck.output()).toContain('"msg":"did not stop in time: exiting"');
  expect(await stuck.slow).toMatchObject({ name: "TypeError" });
});

it("a second Ctrl-C ends a draining service at once, the SIGTERM its supervisor passes on does not", async () => {
  const stuck = await startStuckService(10);
  stuck.child.kill("SIGINT");
  stuck.child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(stuck.child.exitCode).toBeNull();
  const signalled = performance.now();
  stuck.child.kill("SIGINT");
  const { code, at } = await stuck.exited;
  expect(code).toBe(1);
  expect(at - signalled).toBeLessThan(1_000);
  expect(stuck.output()).toContain('"msg":"second signal: exiting at once"');
});
