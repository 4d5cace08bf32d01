// What the rate-limit check costs per request: RateLimits.admit (grant and subject rates, persons
// used) and RateLimits.served (five persons), in this process's memory and on Redis, one at a time
// (latency) and 10 in flight (as 10 connections would). A measurement, not a test: it prints a table.
//
//   node tests/bench/rate-limits.mjs [--requests 20000] [--redis redis://127.0.0.1:6379]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { RateLimits } from "@spx/gateway/edge/rate-limits";
import { connectRedis } from "@spx/gateway/edge/redis";
import { accessOf } from "@spx/runtime/access";
import { createLogger } from "@spx/runtime/logging";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
  },
});
const REQUESTS = Number(values.requests);
const SUBJECTS = 1000;
const caseWorker = accessOf({ agency: "ANSS", role: "CASE_WORKER" });
// The check costs the same whatever the numbers: limits no run can reach keep every request admitted.
/** @type {import("@spx/runtime/access").Access} */
const unreachable = {
  ...caseWorker,
  edge: {
    ...caseWorker.edge,
    rateLimits: {
      grant: { perSecond: 1e9, burst: 2e9 },
      subject: { perSecond: 1e9, burst: 2e9 },
      personsPerHour: 1e9,
    },
  },
};
/** @param {number} i */
const persons = (i) => Array.from({ length: 5 }, (_, k) => String(1_000_000_000 + ((i * 5 + k) % 200_000)));

/**
 * @param {RateLimits} limits
 * @param {import("@spx/runtime/access").Access} access
 * @param {RunOptions} options
 */
async function run(limits, access, { inFlight, served, subjects = SUBJECTS }) {
  let next = 0;
  let refused = 0;
  const one = async () => {
    const i = next++;
    const caller = { sub: `bench:${i % subjects}` };
    try {
      await limits.admit(caller, access);
      if (served) {
        await limits.served(caller, access, persons(i));
      }
    } catch (error) {
      if (/** @type {{ extensions?: { code?: unknown } }} */ (error)?.extensions?.code !== "RATE_LIMITED") {
        throw error;
      }
      refused++;
    }
  };
  const worker = async () => {
    while (next < REQUESTS) {
      await one();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { usPerRequest: (ms * 1000) / REQUESTS, perSecond: Math.round((REQUESTS / ms) * 1000), refused };
}

const logger = createLogger("bench", "warn");
const redis = connectRedis(values.redis, logger);
await new Promise((resolve, reject) => {
  redis.once("ready", resolve);
  setTimeout(() => reject(new Error(`Redis at ${values.redis} did not answer`)), 5000);
});
const stores = {
  memory: () => new RateLimits(),
  redis: () => new RateLimits({ redis, prefix: `bench:rates:${randomBytes(4).toString("hex")}`, logger }),
};
/** @typedef {{ inFlight: number, served: boolean, subjects?: number }} RunOptions */
/** @type {[string, import("@spx/runtime/access").Access, RunOptions][]} */
const checks = [
  ["admit, 1 in flight", unreachable, { inFlight: 1, served: false }],
  ["admit + served (5 persons), 1 in flight", unreachable, { inFlight: 1, served: true }],
  ["admit + served (5 persons), 10 in flight", unreachable, { inFlight: 10, served: true }],
  [
    "one citizen hammering (catalogue limits: nearly all refused), 10 in flight",
    accessOf({ role: "CITIZEN" }),
    { inFlight: 10, served: false, subjects: 1 },
  ],
];
const lines = [];
for (const [store, make] of Object.entries(stores)) {
  for (const [label, access, options] of checks) {
    await run(make(), access, { ...options }); // warm-up
    const r = await run(make(), access, options);
    lines.push(`| ${store} | ${label} | ${r.usPerRequest.toFixed(1)} | ${r.perSecond} | ${r.refused} |`);
  }
}
redis.disconnect();
console.log(
  [
    `RateLimits per request, ${REQUESTS} requests over ${SUBJECTS} subjects; Node ${process.version}`,
    "",
    "| Store | Check | µs per request | Checks/s | Refused |",
    "| --- | --- | --- | --- | --- |",
    ...lines,
  ].join("\n"),
);
