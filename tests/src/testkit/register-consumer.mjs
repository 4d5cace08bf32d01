/*
 * The health-insurance register as its own process, for the crash test of a real reaction: the
 * register's app as `npm start` builds it (its consumers, its transactions, its reaction table)
 * on the PostgreSQL database it is given, consuming the population register's events in the
 * background over JetStream when NATS_URL is set, otherwise through the graph feed with the
 * token it is given. It serves no HTTP: only its consumers run. Prints {"ready":true} once
 * consuming; SIGTERM closes it.
 */
import { healthInsurance } from "@spx/health-insurance/subgraph";
import { createGraphClient } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { createSubgraph } from "@spx/runtime/subgraph";
import { InternalTokenSigner } from "@spx/runtime/tokens";

// biome-ignore lint/style/noProcessEnv: a test fixture's settings
const { DATABASE_URL, GATEWAY_URL, SERVICE_TOKEN, NATS_URL, NATS_STREAM, NATS_PREFIX } = process.env;
const key = InternalTokenSigner.generate();
const app = await createSubgraph(healthInsurance, {
  databaseUrl: DATABASE_URL,
  dataDir: "",
  // No request reaches this process: a key nobody holds.
  tokenKeys: key.keyringFor("health-insurance"),
  graph: createGraphClient({ url: () => `${GATEWAY_URL}/graphql`, token: async () => SERVICE_TOKEN ?? "" }),
  logger: createLogger("health-insurance", "warn"),
  demoSeed: false,
  nats: NATS_URL ? { url: NATS_URL, stream: NATS_STREAM, subjectPrefix: NATS_PREFIX } : undefined,
  eventsPollIntervalMs: 100,
  eventsInBackground: true,
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on("SIGTERM", async () => {
  await app.close();
  process.exit(0);
});
