import { catalogue } from "@spx/runtime/access";
import { readEnvOrExit } from "@spx/runtime/config";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen, stopOnSignals } from "@spx/runtime/server";
import { startTracing, tracedHandler, tracingSettings } from "@spx/runtime/telemetry";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "./access-log/store.js";
import { createAuthenticator } from "./authenticate.js";
import { DEV_TOKEN_PATH, devTokenEndpoint } from "./dev-token-endpoint.js";
import { RateLimits } from "./edge/rate-limits.js";
import { connectRedis } from "./edge/redis.js";
import { loadEnv } from "./env.js";
import { createGateway } from "./gateway.js";
import { refuseToStart, trustedIssuers } from "./identity/trusted-issuers.js";
import { attestationPublicKeys, devIssuerKey, gatewaySigningKey, nextSigningPublicKeys } from "./keys.js";
import { loadSupergraph } from "./supergraph.js";
import { traceTrust } from "./trace-trust.js";

const env = readEnvOrExit(loadEnv);
const tracing = startTracing(
  "gateway",
  readEnvOrExit(() => tracingSettings()),
);
const once = <T>(load: () => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
};
const logger = createLogger("gateway", env.logLevel);
const { issuers, development } = await trustedIssuers(env, catalogue()).catch(refuseToStart);
if (development) {
  logger.warn(
    "Neither GATEWAY_ISSUERS_FILE nor JWKS_URL is set: accepting tokens from the local development issuer only",
  );
} else {
  logger.info({ issuers: issuers.map((trusted) => trusted.issuer) }, "trusted issuers");
}
if (!env.authentication) {
  logger.warn(
    "GATEWAY_AUTHENTICATION=off: every request is served without a caller, unauthorized and unlogged (benchmarks only)",
  );
}
const supergraph = loadSupergraph(env.supergraphPath);
const accessLogDb = env.accessLog
  ? await openDatabase({
      name: "access-log",
      url: env.accessLogDatabaseUrl,
      dataDir: env.dataDir,
      timeouts: env.databaseTimeouts,
    })
  : undefined;
if (accessLogDb) {
  await applyMigrations(accessLogDb.sql, ACCESS_LOG_MIGRATIONS);
  logger.info({ database: accessLogDb.kind, location: accessLogDb.location }, "access log ready");
} else {
  logger.warn("GATEWAY_ACCESS_LOG=off: nothing is accounted for (benchmarks only)");
}
if (!env.edge) {
  logger.warn("GATEWAY_EDGE=off: no operation limits, demand control or rate limits (benchmarks only)");
}
const redis = env.redisUrl ? connectRedis(env.redisUrl, logger) : undefined;
if (!redis) {
  logger.info("REDIS_URL is not set: rate limits are kept by this process alone");
}
const signingKey = await gatewaySigningKey(env);
const authentication = env.authentication
  ? traceTrust(createAuthenticator({ issuers }, (reason) => logger.info({ reason }, "rejected caller token")))
  : undefined;
const { server, handler } = await createGateway({
  supergraphSdl: supergraph.sdl,
  subgraphs: supergraph.subgraphs,
  subgraphUrls: env.subgraphUrls,
  authenticate: authentication?.authenticate ?? "off",
  signingKey,
  logger,
  production: env.production,
  authorization: env.authorization,
  accessLog: accessLogDb ? new AccessLogStore(accessLogDb.sql) : undefined,
  // The next signing key first, beside the current one: what subgraphs must know before a rotation.
  publishedKeys: [...(await nextSigningPublicKeys(env, signingKey)), ...(await attestationPublicKeys(env))],
  resilience: env.resilience,
  rateLimits: new RateLimits({ redis, hashKey: env.rateLimitKey, logger }),
  edge: env.edge,
  // The registers' clients get their tokens here in development, as from TOKEN_URL in production;
  // only where this gateway trusts the development issuer, so that the tokens it issues are accepted.
  routes:
    env.production || !development
      ? {}
      : {
          [DEV_TOKEN_PATH]: devTokenEndpoint({
            issuerKey: once(() => devIssuerKey(env)),
            issuer: env.issuer,
            audience: env.audience,
            dataDir: env.dataDir,
          }),
        },
});
const running = await listen(
  tracedHandler(handler, tracing, authentication?.trust ?? { decide: async () => false }),
  env.port,
  env.host,
);
logger.info({ url: `${running.url}/graphql` }, "gateway listening");
stopOnSignals(logger, {
  server: running,
  graceSeconds: env.shutdownGraceSeconds,
  close: async () => {
    await server.stop();
    await accessLogDb?.close();
    redis?.disconnect();
    await tracing.shutdown();
  },
});
