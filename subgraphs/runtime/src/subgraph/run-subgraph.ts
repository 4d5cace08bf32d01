import { EnvError, parseEnv, readEnvOrExit } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";
import { createLogger } from "../logging/logger.js";
import { listen } from "../server/http-server.js";
import { stopOnSignals } from "../server/signals.js";
import type { RequestContext } from "../server/subgraph-server.js";
import { tracedHandler } from "../telemetry/server-span.js";
import { startTracing } from "../telemetry/start-tracing.js";
import { type TracingSettings, tracingSettings } from "../telemetry/tracing-settings.js";
import { gatewayTokenKeys } from "../tokens/gateway-keys.js";
import { createSubgraph } from "./create-subgraph.js";
import type { SubgraphDefinition, SubgraphSettings } from "./define-subgraph.js";

/**
 * Every subgraph's settings and the register's own, checked together so that every problem is
 * reported at once (in production, each missing setting on a line of its own).
 */
export function subgraphSettings<OwnEnv>(
  definition: Pick<SubgraphDefinition, "envPrefix" | "defaultPort" | "asksGraph"> & {
    env?: SubgraphDefinition<never, never, never, OwnEnv>["env"];
  },
  source?: Record<string, string | undefined>,
): SubgraphSettings & OwnEnv & { tracing: TracingSettings } {
  const issues: string[] = [];
  const collect = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof EnvError)) {
        throw error;
      }
      issues.push(...error.issues);
      return undefined;
    }
  };
  const common = collect(() =>
    subgraphEnv(definition.envPrefix, definition.defaultPort, source, { asksGraph: definition.asksGraph }),
  );
  const own = definition.env
    ? collect(() => parseEnv(definition.env as NonNullable<typeof definition.env>, source))
    : {};
  const tracing = collect(() => tracingSettings(source));
  if (!common || !own || !tracing) {
    throw new EnvError(issues);
  }
  return { ...common, ...(own as OwnEnv), tracing };
}

/** `main.ts` of every register: read the settings, open the database, serve, stop on a signal. */
export async function runSubgraph<
  Prisma extends { $disconnect(): Promise<void> },
  Context extends RequestContext,
  Options,
  OwnEnv,
  Exposed,
>(definition: SubgraphDefinition<Prisma, Context, Options, OwnEnv, Exposed>): Promise<void> {
  const env = readEnvOrExit(() => subgraphSettings(definition));
  const logger = createLogger(definition.name, env.logLevel);
  const tracing = startTracing(definition.name, env.tracing);
  const own = (await definition.options?.(env, logger)) ?? ({} as Options);
  const app = await createSubgraph(definition, {
    ...own,
    databaseUrl: env.databaseUrl,
    dataDir: env.dataDir,
    tokenKeys: gatewayTokenKeys(env, definition.name),
    redisUrl: env.redisUrl,
    unauthenticated: env.unauthenticated,
    statisticsRefreshSeconds: env.statisticsRefreshSeconds,
    statisticsRefreshTimeoutMs: env.statisticsRefreshTimeoutMs,
    databaseTimeouts: env.databaseTimeouts,
    nats: env.natsUrl ? { url: env.natsUrl } : undefined,
    eventsPollIntervalMs: env.eventsPollIntervalMs,
    eventsRelayIntervalMs: env.eventsRelayIntervalMs,
    logger,
    demoSeed: env.demoSeed,
  });
  // Only the gateway can call a register (its tokens): the gateway's trace is continued.
  const running = await listen(tracedHandler(app.handler, tracing, "continue"), env.port, env.host);
  logger.info({ url: `${running.url}/graphql` }, `${definition.name} subgraph listening`);
  stopOnSignals(logger, {
    server: running,
    graceSeconds: env.shutdownGraceSeconds,
    close: async () => {
      await app.close();
      await tracing.shutdown();
    },
  });
}
