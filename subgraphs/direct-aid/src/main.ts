import { readEnvOrExit } from "@spx/runtime/env";
import { listen } from "@spx/runtime/http-server";
import { createLogger } from "@spx/runtime/logger";
import { gatewayKeySource, serviceGraphClient, stopOnSignals } from "@spx/runtime/service";
import { createDirectAidApp, SUBGRAPH_NAME } from "./app.js";
import { loadEnv } from "./env.js";

const env = readEnvOrExit(loadEnv);
const logger = createLogger(SUBGRAPH_NAME, env.logLevel);
const app = await createDirectAidApp({
  databaseUrl: env.databaseUrl,
  dataDir: env.dataDir,
  gatewayKeys: await gatewayKeySource(env),
  redisUrl: env.redisUrl,
  unauthenticated: env.unauthenticated,
  statisticsMaxAgeSeconds: env.statisticsMaxAgeSeconds,
  databaseTimeouts: env.databaseTimeouts,
  // The register's own identity towards the graph: its client at the identity provider.
  graph: serviceGraphClient(env, logger),
  logger,
  demoSeed: env.demoSeed,
});
const running = await listen(app.handler, env.port, env.host);
logger.info({ url: `${running.url}/graphql` }, "direct-aid subgraph listening");
stopOnSignals(logger, { server: running, graceSeconds: env.shutdownGraceSeconds, close: () => app.close() });
