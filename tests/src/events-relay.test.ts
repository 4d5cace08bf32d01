import { population } from "@spx/population/subgraph";
import { openDatabase, type SqlExecutor } from "@spx/runtime/database";
import { NatsTransport, Relay } from "@spx/runtime/events";
import { createLogger } from "@spx/runtime/logging";
import type { AppOf } from "@spx/runtime/subgraph";
import { testDatabaseKind } from "@spx/testkit/test-database";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { recordTestEvents, streamedEvents, testNats } from "./testkit/events.js";

/*
 * The relay of a producing register publishing to NATS JetStream: with two replicas over one
 * database (each its own pool and NATS connection), every event reaches the stream once, in
 * position order, and a relay that republishes (it crashed between the broker's ack and marking
 * the events published) adds nothing: JetStream drops a message id it has seen.
 */

const nats = testNats("relay");
let subgraph: TestSubgraph<AppOf<typeof population>>;
const cleanup: (() => Promise<void>)[] = [];
const logger = createLogger("relay-test", "silent");

async function relayReplica(sql: SqlExecutor): Promise<Relay> {
  const transport = await NatsTransport.connect(nats, "relay-test");
  cleanup.push(() => transport.close());
  return new Relay({ source: "population", sql, publisher: transport.publisher(), intervalMs: 10, logger });
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(population, {
    label: "events_relay",
    defaultCaller: { sub: "test:anr", agency: "ANR", role: "SYSTEM" },
    options: {},
    events: { nats, eventsInBackground: false },
  });
});
afterAll(async () => {
  for (const step of cleanup.reverse()) {
    await step();
  }
  await subgraph?.stop();
  await nats.remove();
});

const published = async () =>
  (
    await subgraph.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox_event WHERE published_at IS NOT NULL",
    )
  )[0]?.n ?? 0;

describe("the relay on NATS JetStream", () => {
  it("publishes each committed event once, in position order, and a republication adds nothing", async () => {
    for (let batch = 0; batch < 3; batch++) {
      await recordTestEvents(subgraph.app.prisma, 40, `test.batch-${batch}`);
    }
    await subgraph.app.events.drain();
    const streamed = await streamedEvents(nats, "population");
    expect(streamed.map((e) => e.position)).toEqual(Array.from({ length: 120 }, (_, i) => String(i + 1)));
    expect(new Set(streamed.map((e) => e.id)).size).toBe(120);
    expect(await published()).toBe(120);
    // The relay crashed after the broker stored them and before it marked them: they go again.
    await subgraph.db.database.sql.query("UPDATE outbox_event SET published_at = NULL");
    await subgraph.app.events.drain();
    expect(await published()).toBe(120);
    expect((await streamedEvents(nats, "population")).length).toBe(120);
  });

  // Two replicas need two pools on one database: PostgreSQL (PGlite is one process's own).
  (testDatabaseKind() === "postgres" ? it : it.skip)(
    "publishes each event once when two replicas relay at the same time",
    async () => {
      const url = subgraph.db.url ?? "";
      const other = await openDatabase({ name: "population-replica", url, dataDir: "", poolSize: 3 });
      cleanup.push(() => other.close());
      const replicas = [await relayReplica(subgraph.db.database.sql), await relayReplica(other.sql)];
      const before = (await streamedEvents(nats, "population")).length;
      // Two writers of five 20-event transactions each: concurrent commits, while leaving the
      // relay connections of the register's pool of 5 (ten transactions at once waited past the
      // pool's 2 s connect timeout on a loaded CI machine).
      const writes = [0, 1].map(async () => {
        for (let batch = 0; batch < 5; batch++) {
          await recordTestEvents(subgraph.app.prisma, 20, "test.race");
        }
      });
      // Both relay while the writes commit, then until nothing is left.
      let writing = true;
      const relaying = replicas.map(async (relay) => {
        while (writing) {
          await relay.tick();
        }
        await relay.drain();
      });
      await Promise.all(writes);
      writing = false;
      await Promise.all(relaying);
      const streamed = (await streamedEvents(nats, "population")).slice(before);
      expect(streamed.filter((e) => e.type === "test.race")).toHaveLength(200);
      expect(new Set(streamed.map((e) => e.id)).size).toBe(streamed.length);
      const positions = streamed.map((e) => Number(e.position));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(positions).toEqual(Array.from({ length: 200 }, (_, i) => (positions[0] ?? 0) + i));
      for (const relay of replicas) {
        await relay.close();
      }
    },
  );
});
