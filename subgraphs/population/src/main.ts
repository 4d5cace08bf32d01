import { readEnvOrExit } from "@spx/runtime/env";
import { listen } from "@spx/runtime/http-server";
import { createLogger } from "@spx/runtime/logger";
import { gatewayKeySource, stopOnSignals } from "@spx/runtime/service";
import { createPopulationApp, SUBGRAPH_NAME } from "./app.js";
import { loadEnv } from "./env.js";

const env = readEnvOrExit(loadEnv);
const logger = createLogger(SUBGRAPH_NAME, env.logLevel);
const app = await createPopulationApp({
  databaseUrl: env.databaseUrl,
  dataDir: env.dataDir,
  gatewayKeys: await gatewayKeySource(env),
  redisUrl: env.redisUrl,
  unauthenticated: env.unauthenticated,
  statisticsMaxAgeSeconds: env.statisticsMaxAgeSeconds,
  databaseTimeouts: env.databaseTimeouts,
  logger,
  demoSeed: env.demoSeed,
});
const running = await listen(app.handler, env.port, env.host);
logger.info({ url: `${running.url}/graphql` }, "population subgraph listening");
stopOnSignals(logger, { server: running, graceSeconds: env.shutdownGraceSeconds, close: () => app.close() });
