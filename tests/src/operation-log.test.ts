import { createHash } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { FEED_DOCUMENTS } from "@spx/runtime/events";
import { capturedLogs } from "./testkit/captured-logs.js";
import { CNSS_SERVICE } from "./testkit/events.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * One log line per operation, in the gateway and in each register it reaches; a register's routine
 * poll of another's event feed (several a second without NATS) at debug, so that the info lines are
 * the operations people asked. Only a service's poll that succeeded is quiet: anyone else naming
 * an operation like the feed, or a poll that failed, is logged at info.
 */

const logs = capturedLogs();
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "oplog", logger: logs.logger });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const feed = FEED_DOCUMENTS.population?.document ?? "";

async function poll(caller: Caller, body: Record<string, unknown>) {
  const response = await fetch(`${system.gatewayUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await system.token(caller)}` },
    body: JSON.stringify({ variables: { after: null, first: 10 }, ...body }),
  });
  const requestId = response.headers.get("x-request-id");
  const answer = (await response.json()) as { errors?: unknown[] };
  // The registers' lines are written as their answers are sent, before the gateway's.
  const lines = logs.lines
    .map((line) => JSON.parse(line) as { level: number; msg: string; requestId?: string; service?: string })
    .filter((line) => line.msg === "operation" && line.requestId === requestId);
  return { answer, levels: lines.map((line) => `${line.service}:${line.level}`).sort() };
}

it("logs a service's feed poll at debug in the gateway and the register", async () => {
  const { answer, levels } = await poll(CNSS_SERVICE, {
    documentId: `sha256:${createHash("sha256").update(feed).digest("hex")}`,
  });
  expect(answer.errors).toBeUndefined();
  expect(levels).toEqual(["gateway:20", "population:20"]);
});

it("logs at info the same operation name from anyone else, and a poll that failed", async () => {
  const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
  const refused = await poll(anr, { query: feed });
  expect(refused.answer.errors).toBeDefined();
  expect(refused.levels).toContain("gateway:30");
  expect(refused.levels.every((level) => level.endsWith(":30"))).toBe(true);
  const failed = await poll(CNSS_SERVICE, {
    documentId: `sha256:${createHash("sha256").update(feed).digest("hex")}`,
    variables: { after: "not a position", first: 10 },
  });
  expect(failed.answer.errors).toBeDefined();
  expect(failed.levels).toEqual(["gateway:30", "population:30"]);
});
