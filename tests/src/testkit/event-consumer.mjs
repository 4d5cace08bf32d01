/*
 * A consuming register's events runtime as its own process, for the crash test: it reacts to the
 * population register's `test.happened` events (one row in test_reaction, in the transaction that
 * marks the event consumed), over JetStream when NATS_URL is set, otherwise through the graph feed
 * with the token it is given. HANDLE_DELAY_MS slows each reaction inside its transaction, so that
 * a SIGKILL lands in the middle of a batch. Prints {"ready":true} once consuming.
 */
import { createGraphClient } from "@spx/runtime/clients";
import { openDatabase } from "@spx/runtime/database";
import { consumeOnce, rawSqlOf, startEvents } from "@spx/runtime/events";
import { createLogger } from "@spx/runtime/logging";

// biome-ignore lint/style/noProcessEnv: a test fixture's settings
const settings = process.env;
const { CONSUMER_DATABASE_URL, GATEWAY_URL, SERVICE_TOKEN, NATS_URL, NATS_STREAM, NATS_PREFIX } = settings;
const delayMs = Number(settings.HANDLE_DELAY_MS ?? "0");
const database = await openDatabase({ name: "consumer", url: CONSUMER_DATABASE_URL, dataDir: "", poolSize: 3 });
const logger = createLogger("event-consumer", "warn");
const events = await startEvents({
  register: "events-test",
  sql: database.sql,
  logger,
  setup: {
    consumers: [
      {
        source: "population",
        types: ["test.happened"],
        handle: (event) =>
          database.sql.transaction(async (tx) => {
            if (await consumeOnce(rawSqlOf(tx), "events-test", event)) {
              await new Promise((resolve) => setTimeout(resolve, delayMs));
              await tx.query("INSERT INTO test_reaction (event_id, type) VALUES ($1::uuid, $2)", [
                event.id,
                event.type,
              ]);
            }
          }),
      },
    ],
  },
  graph: createGraphClient({ url: () => `${GATEWAY_URL}/graphql`, token: async () => SERVICE_TOKEN ?? "" }),
  nats: NATS_URL ? { url: NATS_URL, stream: NATS_STREAM, subjectPrefix: NATS_PREFIX } : undefined,
  pollIntervalMs: 100,
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on("SIGTERM", async () => {
  await events.close();
  await database.close();
  process.exit(0);
});
