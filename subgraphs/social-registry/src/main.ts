import { serviceTokenSource } from "@spx/runtime/caller-token";
import { createGraphClient } from "@spx/runtime/graph-client";
import { listen } from "@spx/runtime/http-server";
import { loadOrCreateSigningKey } from "@spx/runtime/keys";
import { createLogger } from "@spx/runtime/logger";
import { devKeyFiles, gatewayKeySource, stopOnSignals } from "@spx/runtime/service";
import { createSocialRegistryApp, SUBGRAPH_NAME } from "./app.js";
import { loadEnv } from "./env.js";

const env = loadEnv();
const logger = createLogger(SUBGRAPH_NAME, env.logLevel);
// The register's own identity towards the graph (ANR runs the RSU). In development its token is
// minted by the local issuer; in production it comes from the identity provider.
const graph = createGraphClient({
  url: () => env.gatewayUrl,
  token: serviceTokenSource(
    () => loadOrCreateSigningKey(devKeyFiles(env.dataDir).issuer),
    { sub: "service:social-registry", agency: "ANR", role: "SYSTEM", purpose: "RSU_MEMBERSHIP_CHECK" },
    { issuer: env.issuer, audience: env.audience },
  ),
});
const app = await createSocialRegistryApp({
  databaseUrl: env.databaseUrl,
  dataDir: env.dataDir,
  gatewayKeys: await gatewayKeySource(env),
  graph,
  logger,
  demoSeed: env.demoSeed,
});
const running = await listen(app.handler, env.port, env.host);
logger.info({ url: `${running.url}/graphql` }, "social-registry subgraph listening");
stopOnSignals(logger, async () => {
  await running.close();
  await app.close();
});
