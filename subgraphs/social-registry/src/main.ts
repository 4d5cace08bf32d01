import { readEnvOrExit } from "@spx/runtime/env";
import { listen } from "@spx/runtime/http-server";
import { importSigningKey, loadOrCreateSigningKey } from "@spx/runtime/keys";
import { createLogger } from "@spx/runtime/logger";
import { devKeyFiles, gatewayKeySource, serviceGraphClient, stopOnSignals } from "@spx/runtime/service";
import { createSocialRegistryApp, SUBGRAPH_NAME } from "./app.js";
import { loadEnv } from "./env.js";

const env = readEnvOrExit(loadEnv);
const logger = createLogger(SUBGRAPH_NAME, env.logLevel);
// Attestations are signed with ATTESTATION_SIGNING_KEY in production, the development key otherwise.
const attestationKey = env.attestationSigningKey
  ? await importSigningKey(env.attestationSigningKey)
  : await loadOrCreateSigningKey(devKeyFiles(env.dataDir).attestation);
const app = await createSocialRegistryApp({
  databaseUrl: env.databaseUrl,
  dataDir: env.dataDir,
  gatewayKeys: await gatewayKeySource(env),
  redisUrl: env.redisUrl,
  unauthenticated: env.unauthenticated,
  statisticsMaxAgeSeconds: env.statisticsMaxAgeSeconds,
  databaseTimeouts: env.databaseTimeouts,
  // The register's own identity towards the graph: its client at the identity provider.
  graph: serviceGraphClient(env, logger),
  attestationKey,
  attestationTtlSeconds: env.attestationTtlSeconds,
  logger,
  demoSeed: env.demoSeed,
});
const running = await listen(app.handler, env.port, env.host);
logger.info({ url: `${running.url}/graphql` }, "social-registry subgraph listening");
stopOnSignals(logger, { server: running, graceSeconds: env.shutdownGraceSeconds, close: () => app.close() });
