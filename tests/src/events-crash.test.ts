import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { healthInsurance } from "@spx/health-insurance/subgraph";
import { createTestDatabase, type TestDatabase, testDatabaseKind } from "@spx/testkit/test-database";
import { exited, startReadyProcess } from "./testkit/child-process.js";
import {
  CNSS_SERVICE,
  eventually,
  REACTION_TABLE,
  reactionsByEvent,
  recordTestEvents,
  testNats,
} from "./testkit/events.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * A consumer process killed (SIGKILL) in the middle of a batch of 200 events and started again:
 * every event gets exactly one reaction, on both transports. The consumer runs as its own process
 * (testkit/event-consumer.mjs) on a PostgreSQL database the test reads; a reaction's transaction
 * cut by the kill rolls back with its consumeOnce mark, the event is redelivered (JetStream: not
 * acknowledged; feed: the cursor had not moved past it) and reacted to once.
 * PostgreSQL only: a killed process takes an in-process PGlite with it.
 */

const SCRIPT = fileURLToPath(new URL("./testkit/event-consumer.mjs", import.meta.url));
const COUNT = 200;

(testDatabaseKind() === "postgres"
  ? describe.each(["graph-feed", "nats"] as const)
  : describe.skip.each(["graph-feed", "nats"] as const))("a consumer killed mid-batch over %s", (transport) => {
  const nats = transport === "nats" ? testNats(`crash_${transport}`) : undefined;
  let system: RunningSystem;
  let consumerDb: TestDatabase;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    system = await startSystem({
      label: `events_crash_${transport.replace("-", "_")}`,
      events: { ...(nats ? { nats } : {}) },
    });
    consumerDb = await createTestDatabase(
      `events_crash_consumer_${transport.replace("-", "_")}`,
      healthInsurance.migrationsDir,
    );
    await consumerDb.database.sql.query(REACTION_TABLE);
  });
  afterAll(async () => {
    for (const child of children) {
      child.kill("SIGKILL");
      await exited(child);
    }
    await consumerDb?.drop();
    await system?.stop();
    await nats?.remove();
  });

  it("reacts to each of 200 events exactly once after a SIGKILL and a restart", async () => {
    const ids = await recordTestEvents(system.population.prisma, COUNT);
    await system.population.events.drain();
    const env = {
      CONSUMER_DATABASE_URL: consumerDb.url ?? "",
      GATEWAY_URL: system.gatewayUrl,
      SERVICE_TOKEN: await system.token(CNSS_SERVICE, { ttlSeconds: 3600 }),
      HANDLE_DELAY_MS: "15",
      ...(nats ? { NATS_URL: nats.url, NATS_STREAM: nats.stream ?? "", NATS_PREFIX: nats.subjectPrefix ?? "" } : {}),
    };
    const reacted = async () => [...(await reactionsByEvent(consumerDb.database.sql)).keys()].length;
    const first = await startReadyProcess(SCRIPT, env);
    children.push(first);
    await eventually(async () => (await reacted()) >= 40, "40 reactions before the kill");
    first.kill("SIGKILL");
    await exited(first);
    // Killed mid-way: some events were not reacted to yet.
    expect(await reacted()).toBeLessThan(COUNT);

    const second = await startReadyProcess(SCRIPT, env);
    children.push(second);
    await eventually(async () => (await reacted()) === COUNT, "every event reacted to after the restart", 120_000);
    second.kill("SIGTERM");
    await exited(second);
    const reactions = await reactionsByEvent(consumerDb.database.sql);
    expect([...reactions.keys()].sort()).toEqual([...ids].sort());
    expect([...reactions.values()].filter((n) => n !== 1)).toEqual([]);
    const [consumed] = await consumerDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM consumed_event WHERE consumer = 'events-test'",
    );
    expect(consumed?.n).toBe(COUNT);
  });
});
