import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { RateLimits } from "@spx/gateway/edge/rate-limits";
import { connectRedis } from "@spx/gateway/edge/redis";
import type { Caller } from "@spx/runtime/access";
import { accessOf } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { caseWorker } from "./testkit/callers.js";
import { capturedLogs } from "./testkit/captured-logs.js";
import { freePort } from "./testkit/production-system.js";
import { type AnotherGateway, type RunningSystem, startAnotherGateway, startSystem } from "./testkit/start-system.js";

/*
 * The catalogue's rate limits over real HTTP, with the catalogue's own numbers: a citizen's
 * request rate (2/s, 10 at once), a case worker's persons per hour (200), shared by two gateways
 * through Redis, and what happens when Redis is gone.
 */

const SHARED_REDIS = "redis://127.0.0.1:6379";
type Redis = ReturnType<typeof connectRedis>;
const CITIZEN = accessOf({ role: "CITIZEN" }).edge.rateLimits.subject;
const CASE_WORKER_PERSONS = accessOf({ agency: "ANSS", role: "CASE_WORKER" }).edge.rateLimits.personsPerHour;

let system: RunningSystem;
const cleanup: (() => Promise<void> | void)[] = [];
const redisClients: Redis[] = [];
let citizenIdcs = "";
/** A key prefix and hash key of this run, so that nothing is shared with other runs on the shared Redis. */
const prefix = `test:rates:${randomBytes(6).toString("hex")}`;
const hashKey = randomBytes(32);
let ownRedis: ChildProcess | undefined;
let ownRedisPort = 0;
const down = capturedLogs();
/** What the gateways on the shared Redis log: a fallback to memory there would void the sharing tests. */
const sharedLogs = capturedLogs();

function redis(url: string, logger = createLogger("test", "silent")): Redis {
  const client = connectRedis(url, logger);
  redisClients.push(client);
  return client;
}

async function until(condition: () => boolean, what = "condition"): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ready = (client: Redis) => until(() => client.status === "ready", "Redis ready");

let sharedReplica: Promise<AnotherGateway> | undefined;
/** Another gateway sharing the first one's Redis, started once. */
const replica = () => {
  sharedReplica ??= (async () => {
    const client = redis(SHARED_REDIS);
    await ready(client);
    return startGateway(new RateLimits({ redis: client, hashKey, prefix, logger: sharedLogs.logger }));
  })();
  return sharedReplica;
};

/** A second gateway over the same registers and access log, as another replica would be. */
async function startGateway(rateLimits: RateLimits, logger = createLogger("test", "silent")): Promise<AnotherGateway> {
  const gateway = await startAnotherGateway(system, { logger, accessLog: system.accessLog, rateLimits });
  cleanup.push(gateway.stop);
  return gateway;
}

function ask(url: string, token: string, query: string) {
  return postGraphQL(`${url}/graphql`, { query }, { authorization: `Bearer ${token}` });
}

const citizen = (sub: string): Caller => ({ sub, role: "CITIZEN", idcs: citizenIdcs });
const OWN = () => `{ person(idcs: "${citizenIdcs}") { idcs } }`;

/** `count` requests at once from one token, spread over the gateways in turn; elapsed time in ms. */
async function burst(gateways: string[], token: string, count: number) {
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const sent = Date.now();
      const answer = await ask(gateways[i % gateways.length] ?? "", token, OWN());
      return { ...answer, ms: Date.now() - sent };
    }),
  );
  return { answers, elapsedMs: Date.now() - started };
}

/**
 * The most a citizen can be accepted in `elapsedMs` (under the 10 s burst window): one burst
 * allowance, plus the per-second quota of every one-second window begun meanwhile.
 */
function mostAccepted(elapsedMs: number): number {
  return CITIZEN.burst - CITIZEN.perSecond + CITIZEN.perSecond * (Math.floor(elapsedMs / 1000) + 1);
}

let shared: Redis;

beforeAll(async () => {
  shared = redis(SHARED_REDIS);
  await ready(shared);
  system = await startSystem({
    label: "rates",
    seedPersons: 1400,
    rateLimits: new RateLimits({ redis: shared, hashKey, prefix, logger: sharedLogs.logger }),
  });
  const [person] = await system.populationDb.database.sql.query<{ idcs: string }>(
    "SELECT idcs FROM person WHERE life_status = 'ALIVE' ORDER BY idcs LIMIT 1",
  );
  citizenIdcs = person?.idcs ?? "";
}, 180_000);

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) {
    await step();
  }
  for (const client of redisClients) {
    client.disconnect();
  }
  ownRedis?.kill("SIGKILL");
  await system?.stop();
});

describe("requests per second", () => {
  it("refuses a burst from one citizen beyond the catalogue's rate with 429, Retry-After and RateLimit fields", async () => {
    const token = await system.token(citizen("rates:citizen:burst"));
    const { answers, elapsedMs } = await burst([system.gatewayUrl], token, 30);
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(accepted.length + refused.length).toBe(30);
    expect(elapsedMs).toBeLessThan(10_000);
    // The burst is honoured in full, and nothing beyond the rate is.
    expect(accepted.length).toBeGreaterThanOrEqual(CITIZEN.burst);
    expect(accepted.length).toBeLessThanOrEqual(mostAccepted(elapsedMs));
    const [first] = refused;
    expect(first?.body.data ?? undefined).toBeUndefined();
    expect(first?.body.errors?.[0]?.extensions).toEqual({
      code: "RATE_LIMITED",
      limit: "subject",
      limits: ["subject"],
      retryAfter: 1,
    });
    expect(first?.headers.get("retry-after")).toBe("1");
    expect(first?.headers.get("ratelimit-policy")).toBe(`"subject";q=${CITIZEN.perSecond};w=1`);
    expect(first?.headers.get("ratelimit")).toBe(`"subject";r=0;t=1`);
    // Admitted answers say what is left.
    const served = accepted[0];
    expect(served?.body.errors).toBeUndefined();
    expect(served?.headers.get("ratelimit-policy")).toBe(
      `"subject";q=${CITIZEN.perSecond};w=1, "persons";q=50;w=3600;spx-qu="persons"`,
    );
    expect(served?.headers.get("ratelimit")).toMatch(/^"subject";r=\d+;t=1, "persons";r=\d+;t=\d+$/);
  });

  it("follows each grant's overrides of the catalogue's defaults", async () => {
    const policyOf = async (caller: Caller) => {
      const token = await system.token(caller);
      const { status, headers } = await ask(
        system.gatewayUrl,
        token,
        "{ persons(first: 1) { edges { node { idcs } } } }",
      );
      expect(status).toBe(200);
      return headers.get("ratelimit-policy");
    };
    // A case worker has the defaults: a person's pace, and a case load of persons.
    expect(await policyOf({ sub: "rates:cw:policy", agency: "ANSS", role: "CASE_WORKER", region: "06" })).toBe(
      `"subject";q=10;w=1, "persons";q=${CASE_WORKER_PERSONS};w=3600;spx-qu="persons"`,
    );
    // A system reads the population in batches.
    expect(await policyOf({ sub: "rates:cnss:policy", agency: "CNSS", role: "SYSTEM" })).toBe(
      `"subject";q=500;w=1, "persons";q=2000000;w=3600;spx-qu="persons"`,
    );
  });

  it("is one budget for two gateways sharing a Redis", async () => {
    const second = await replica();
    const token = await system.token(citizen("rates:citizen:shared"));
    const { answers, elapsedMs } = await burst([system.gatewayUrl, second.url], token, 40);
    const accepted = answers.filter((a) => a.status === 200).length;
    // Each gateway on its own would accept a whole burst: twice what one budget allows.
    expect(elapsedMs).toBeLessThan(5_000);
    expect(accepted).toBeGreaterThanOrEqual(CITIZEN.burst);
    expect(accepted).toBeLessThanOrEqual(mostAccepted(elapsedMs));
    expect(answers.filter((a) => a.status === 429).length).toBe(40 - accepted);
    // The windows are in Redis, under keyed hashes: no subject, no IDCS in a key.
    const keys = await shared.keys(`${prefix}:*`);
    expect(keys.some((key) => key.includes(":rate:subject:"))).toBe(true);
    expect(sharedLogs.lines.filter((line) => line.includes("Redis"))).toEqual([]);
    const names = keys.map((key) => key.slice(prefix.length));
    expect(names.filter((name) => name.includes("rates:citizen") || name.includes(citizenIdcs))).toEqual([]);
  });
});

describe("persons per hour", () => {
  const page = (after?: string) =>
    `{ persons(first: 80${after ? `, after: "${after}"` : ""}) { edges { node { idcs } } pageInfo { endCursor } } }`;
  type Page = { persons: { edges: { node: { idcs: string } }[]; pageInfo: { endCursor: string } } };

  it.each([
    ["shared through Redis", () => system.gatewayUrl],
    ["in one gateway's memory", () => memoryGateway.url],
  ])("refuses a case worker paging through the population once past the limit (%s)", async (_, urlOf) => {
    const url = urlOf();
    const worker = caseWorker("06", { sub: `rates:cw:${randomBytes(4).toString("hex")}` });
    const token = await system.token(worker);
    const seen = new Set<string>();
    let after: string | undefined;
    // 80, 160, then 240: the page that crosses 200 is served, since its persons are known only afterwards.
    for (let i = 0; i < 3; i++) {
      const { status, body } = await postGraphQL<Page>(
        `${url}/graphql`,
        { query: page(after) },
        { authorization: `Bearer ${token}` },
      );
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      for (const edge of body.data?.persons.edges ?? []) {
        seen.add(edge.node.idcs);
      }
      after = body.data?.persons.pageInfo.endCursor;
    }
    expect(seen.size).toBe(240);
    const refused = await ask(url, token, page(after));
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(refused.body.errors?.[0]?.extensions?.limit).toBe("persons");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get("ratelimit-policy")).toBe(`"persons";q=${CASE_WORKER_PERSONS};w=3600;spx-qu="persons"`);
    expect(refused.headers.get("ratelimit")).toBe(`"persons";r=0;t=${retryAfter}`);
    // Per official: a colleague of the same grant is still served.
    const colleague = await system.token({ ...worker, sub: `${worker.sub}:colleague` });
    expect((await ask(url, colleague, page())).status).toBe(200);
  });

  it("counts the persons a case worker was served through either of two gateways sharing a Redis", async () => {
    const gateways = [system.gatewayUrl, (await replica()).url];
    const worker = caseWorker("06", { sub: `rates:cw:${randomBytes(4).toString("hex")}` });
    const token = await system.token(worker);
    let after: string | undefined;
    for (let i = 0; i < 3; i++) {
      const { status, body } = await postGraphQL<Page>(
        `${gateways[i % 2]}/graphql`,
        { query: page(after) },
        { authorization: `Bearer ${token}` },
      );
      expect(status).toBe(200);
      after = body.data?.persons.pageInfo.endCursor;
    }
    // 240 persons served, 160 by the first gateway and 80 by the second: each alone would admit more.
    for (const url of gateways) {
      const refused = await ask(url, token, page(after));
      expect(refused.status).toBe(429);
      expect(refused.body.errors?.[0]?.extensions?.limit).toBe("persons");
    }
  });

  let memoryGateway: AnotherGateway;
  beforeAll(async () => {
    memoryGateway = await startGateway(new RateLimits());
  });
});

describe("when Redis is down", () => {
  it("keeps serving, within a bounded time, with the limits applied in each gateway's memory", async () => {
    ownRedisPort = await freePort();
    const server = spawn("redis-server", ["--port", String(ownRedisPort), "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    ownRedis = server;
    const client = redis(`redis://127.0.0.1:${ownRedisPort}`, down.logger);
    await ready(client);
    const gateway = await startGateway(new RateLimits({ redis: client, hashKey, prefix, logger: down.logger }));
    const token = await system.token(citizen("rates:citizen:down"));
    expect((await ask(gateway.url, token, OWN())).status).toBe(200);
    expect((await client.keys(`${prefix}:*`)).length).toBeGreaterThan(0);

    const limitedInMemory = async (sub: string) => {
      const { answers, elapsedMs } = await burst([gateway.url], await system.token(citizen(sub)), 30);
      expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      // No request waits on Redis for longer than its command timeout.
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(3_000);
      const accepted = answers.filter((a) => a.status === 200).length;
      expect(accepted).toBeGreaterThanOrEqual(CITIZEN.burst);
      expect(accepted).toBeLessThanOrEqual(mostAccepted(elapsedMs));
    };
    // Hung: connected, but nothing answers.
    server.kill("SIGSTOP");
    await limitedInMemory("rates:citizen:hung");
    expect(down.lines.some((line) => line.includes("Redis failed a rate-limit command"))).toBe(true);
    // Gone: the connection is refused.
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGKILL");
    await exited;
    await limitedInMemory("rates:citizen:gone");
    await until(() => down.lines.some((line) => line.includes("Redis unreachable")), "warning logged");
  });

  it("serves with memory limits from the start when Redis never answers", async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const gateway = await startGateway(new RateLimits({ redis: redis(nowhere), hashKey, prefix }));
    const token = await system.token(citizen("rates:citizen:nowhere"));
    const { answers, elapsedMs } = await burst([gateway.url], token, 30);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(3_000);
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(CITIZEN.burst);
    expect(accepted).toBeLessThanOrEqual(mostAccepted(elapsedMs));
    expect(answers.filter((a) => a.status === 429)[0]?.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });
});
