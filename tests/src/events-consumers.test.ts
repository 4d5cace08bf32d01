import { healthInsurance } from "@spx/health-insurance/subgraph";
import { createGraphClient } from "@spx/runtime/clients";
import type { SqlExecutor } from "@spx/runtime/database";
import {
  consumeOnce,
  type EventHandler,
  type EventMetrics,
  eventMetrics,
  type RegisterEvent,
  type RegisterEvents,
  rawSqlOf,
  startEvents,
} from "@spx/runtime/events";
import { createLogger, type Logger } from "@spx/runtime/logging";
import { serviceRegistry } from "@spx/runtime/metrics";
import { serviceTokenSource } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { capturedLogs } from "./testkit/captured-logs.js";
import {
  CNSS_SERVICE,
  eventually,
  REACTION_TABLE,
  reactionsByEvent,
  recordTestEvents,
  testNats,
} from "./testkit/events.js";
import { AUDIENCE, ISSUER, type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * Durable, idempotent consumers on both transports: JetStream (NATS_URL set) and, without NATS,
 * the producer's feed read through the gateway under the consuming register's own service
 * identity. A consumer here is a register's events runtime on a database of its own (migrated
 * like the health-insurance register's), reacting to the population register's events by writing
 * one row per reaction in the same transaction as consumeOnce.
 */

const CONSUMER = "events-test";

describe.each(["graph-feed", "nats"] as const)("consumers over %s", (transport) => {
  const nats = transport === "nats" ? testNats(`consumers_${transport}`) : undefined;
  let system: RunningSystem;
  let consumerDb: TestDatabase;
  const running: RegisterEvents[] = [];

  beforeAll(async () => {
    system = await startSystem({
      label: `events_${transport.replace("-", "_")}`,
      events: { ...(nats ? { nats } : {}) },
    });
    consumerDb = await createTestDatabase(
      `events_consumer_${transport.replace("-", "_")}`,
      healthInsurance.migrationsDir,
    );
    await consumerDb.database.sql.query(REACTION_TABLE);
  });
  afterAll(async () => {
    for (const events of running) {
      await events.close();
    }
    await consumerDb?.drop();
    await system?.stop();
    await nats?.remove();
  });

  /** A reaction: one row, in the transaction that marks the event consumed. */
  const react = (sql: SqlExecutor, event: RegisterEvent) =>
    sql.transaction(async (tx) => {
      if (await consumeOnce(rawSqlOf(tx), CONSUMER, event)) {
        await tx.query("INSERT INTO test_reaction (event_id, type) VALUES ($1::uuid, $2)", [event.id, event.type]);
      }
    });

  async function startConsumer(
    handle: EventHandler["handle"],
    options: { background: boolean; logger?: Logger; metrics?: EventMetrics },
  ) {
    const graph = createGraphClient({
      url: () => `${system.gatewayUrl}/graphql`,
      token: serviceTokenSource(async () => system.issuerKey, CNSS_SERVICE, { issuer: ISSUER, audience: AUDIENCE }),
    });
    const events = await startEvents({
      register: CONSUMER,
      sql: consumerDb.database.sql,
      logger: options.logger ?? createLogger("events-test", "silent"),
      setup: { consumers: [{ source: "population", types: ["test.happened", "test.poison"], handle }] },
      graph,
      nats,
      pollIntervalMs: 100,
      background: options.background,
      metrics: options.metrics,
    });
    running.push(events);
    return events;
  }

  it("reacts to every event once and, restarted, resumes after the last event it handled", async () => {
    const first = await recordTestEvents(system.population.prisma, 150);
    // Of a type this consumer does not read: passed over, never handled.
    await recordTestEvents(system.population.prisma, 5, "test.ignored");
    await system.population.events.drain();
    const seen: string[] = [];
    const consumer = await startConsumer(
      async (event) => {
        seen.push(event.id);
        await react(consumerDb.database.sql, event);
      },
      { background: false },
    );
    await consumer.drain();
    // A second drain finds nothing new.
    await consumer.drain();
    expect(seen).toEqual(first);
    await consumer.close();

    const second = await recordTestEvents(system.population.prisma, 20);
    await system.population.events.drain();
    const seenAfterRestart: string[] = [];
    const restarted = await startConsumer(
      async (event) => {
        seenAfterRestart.push(event.id);
        await react(consumerDb.database.sql, event);
      },
      { background: false },
    );
    await restarted.drain();
    expect(seenAfterRestart).toEqual(second);
    await restarted.close();
    const reactions = await reactionsByEvent(consumerDb.database.sql);
    expect([...reactions.keys()].sort()).toEqual([...first, ...second].sort());
    expect([...reactions.values()].every((n) => n === 1)).toBe(true);
  });

  it("retries an event whose reaction failed, with a delay, logs it by id and type only, counts it, and reacts once", async () => {
    const [poison] = await recordTestEvents(system.population.prisma, 1, "test.poison");
    const after = await recordTestEvents(system.population.prisma, 5);
    await system.population.events.drain();
    let failures = 0;
    const registry = serviceRegistry();
    /** The consumer's series at /metrics, by name (source="population" only). */
    const metric = async (name: string) =>
      (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.source === "population")?.value;
    let retryingWhenItSucceeded: number | undefined;
    const { logger, lines: raw } = capturedLogs();
    const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    const consumer = await startConsumer(
      async (event) => {
        if (event.id === poison && failures < 2) {
          failures++;
          throw new Error("the reaction's register is busy");
        }
        if (event.id === poison) {
          retryingWhenItSucceeded = await metric("spx_events_consumer_retrying");
        }
        await react(consumerDb.database.sql, event);
      },
      { background: true, logger, metrics: eventMetrics(registry) },
    );
    await eventually(async () => {
      const reactions = await reactionsByEvent(consumerDb.database.sql);
      return [poison ?? "", ...after].every((id) => reactions.get(id) === 1);
    }, "every event reacted to");
    await consumer.close();
    expect(failures).toBe(2);
    // While it waited on the failing event, the consumer said so; once past it, it says 0.
    expect(retryingWhenItSucceeded).toBe(2);
    expect(await metric("spx_events_consumer_retrying")).toBe(0);
    expect(await metric("spx_events_delivery_failures_total")).toBe(2);
    expect(await metric("spx_events_handled_total")).toBeGreaterThanOrEqual(6);
    const reactions = await reactionsByEvent(consumerDb.database.sql);
    expect([poison ?? "", ...after].map((id) => reactions.get(id))).toEqual([1, 1, 1, 1, 1, 1]);
    const failed = lines().filter((line) => line.eventId === poison);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]).toMatchObject({ eventType: "test.poison", source: "population" });
    // The event's subject and data stay out of the log.
    expect(JSON.stringify(lines())).not.toContain("subject-0");
  });
});
