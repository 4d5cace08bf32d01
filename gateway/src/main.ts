import { catalogue } from "@spx/runtime/access";
import { EnvError, readEnvOrExit } from "@spx/runtime/config";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen, stopOnSignals } from "@spx/runtime/server";
import { startTracing, tracedHandler, tracingSettings } from "@spx/runtime/telemetry";
import { CheckpointStore } from "./access-log/checkpoints.js";
import { publicNoteKey } from "./access-log/log-keys.js";
import { AccessLogProofs } from "./access-log/proof-bundle.js";
import { Sequencer } from "./access-log/sequencer.js";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "./access-log/store.js";
import { AccessLogTree } from "./access-log/tree.js";
import { followCheckpoints } from "./access-log/witness-client.js";
import { createAuthenticator } from "./authenticate.js";
import { consoleStartupProblems } from "./console/console-startup.js";
import { DEV_TOKEN_PATH, devTokenEndpoint } from "./dev-token-endpoint.js";
import { RateLimits } from "./edge/rate-limits.js";
import { connectRedis } from "./edge/redis.js";
import { loadEnv } from "./env.js";
import { createGateway } from "./gateway.js";
import { refuseToStart, trustedIssuers } from "./identity/trusted-issuers.js";
import { accessLogSigner, attestationPublicKeys, devIssuerKey } from "./keys.js";
import { loadSupergraph } from "./supergraph.js";
import { gatewayTokenSigner } from "./token-secret.js";
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
// The console signs people in at an issuer whose tokens the gateway must then accept; its build
// must be there in production (development says at `/` how to build it).
const consoleProblems = env.console ? await consoleStartupProblems(env.console, issuers, env.production) : [];
if (consoleProblems.length > 0) {
  refuseToStart(new EnvError(consoleProblems));
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
const tokenSigner = (() => {
  try {
    return gatewayTokenSigner(env);
  } catch (error) {
    // A secret too short or not base64url, or its file missing: named, never quoted.
    return refuseToStart(new EnvError([(error as Error).message]));
  }
})();
const logSigner = accessLogDb ? await accessLogSigner(env).catch(refuseToStart) : undefined;
// Every replica runs a sequencer; only the one holding the lock in a round works.
const sequencer =
  accessLogDb && logSigner
    ? new Sequencer({
        sql: accessLogDb.sql,
        signer: logSigner,
        origin: env.accessLogOrigin,
        intervalMs: env.accessLogSequenceIntervalMs,
        checkpointIntervalMs: env.accessLogCheckpointIntervalMs,
        logger: logger.child({ component: "access-log-sequencer" }),
      })
    : undefined;
const authentication = env.authentication
  ? traceTrust(createAuthenticator({ issuers }, (reason) => logger.info({ reason }, "rejected caller token")))
  : undefined;
const { server, handler, registry } = await createGateway({
  supergraphSdl: supergraph.sdl,
  subgraphs: supergraph.subgraphs,
  subgraphUrls: env.subgraphUrls,
  authenticate: authentication?.authenticate ?? "off",
  tokenSigner,
  logger,
  production: env.production,
  authorization: env.authorization,
  accessLog: accessLogDb ? new AccessLogStore(accessLogDb.sql) : undefined,
  sequencer,
  accessLogProofs:
    accessLogDb && logSigner
      ? new AccessLogProofs(new AccessLogTree(accessLogDb.sql), new CheckpointStore(accessLogDb.sql), {
          origin: env.accessLogOrigin,
          log: publicNoteKey(logSigner),
          witnesses: env.accessLogWitnesses,
        })
      : undefined,
  publishedKeys: await attestationPublicKeys(env),
  resilience: env.resilience,
  rateLimits: new RateLimits({ redis, hashKey: env.rateLimitKey, logger }),
  edge: env.edge,
  // The registers' clients get their tokens here in development, as from TOKEN_URL in production;
  // only where this gateway trusts the development issuer, so that the tokens it issues are accepted.
  console: env.console && {
    dir: env.console.dir,
    oidc: env.console.oidc,
    // The picker's tokens come from the development issuer: only where this gateway trusts it.
    devSignIn:
      env.production || !development
        ? undefined
        : { issuerKey: once(() => devIssuerKey(env)), issuer: env.issuer, audience: env.audience },
  },
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
// Each checkpoint this process signs goes to the log's witnesses, in the background (witness-client.ts).
const witnesses =
  accessLogDb && sequencer
    ? followCheckpoints(sequencer, {
        witnesses: env.accessLogWitnesses,
        checkpoints: new CheckpointStore(accessLogDb.sql),
        tree: new AccessLogTree(accessLogDb.sql),
        logger: logger.child({ component: "access-log-witnesses" }),
        registry,
      })
    : undefined;
sequencer?.start();
logger.info({ url: `${running.url}/graphql` }, "gateway listening");
if (env.console) {
  logger.info({ console: `${running.url}/` }, "console served");
}
stopOnSignals(logger, {
  server: running,
  graceSeconds: env.shutdownGraceSeconds,
  close: async () => {
    await server.stop();
    await sequencer?.stop();
    await witnesses?.stop();
    await accessLogDb?.close();
    redis?.disconnect();
    await tracing.shutdown();
  },
});
