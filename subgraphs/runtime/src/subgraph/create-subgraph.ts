import type { UnauthenticatedMode } from "../access/access-bench.js";
import type { GraphClient } from "../clients/graph-client.js";
import type { Database } from "../database/database.js";
import type { DatabaseTimeouts } from "../database/database-timeouts.js";
import { prepareDatabase } from "../database/prepare-database.js";
import { eventMetrics, type NatsSettings, startEvents } from "../events/index.js";
import type { RegisterEvents } from "../events/register-event.js";
import type { Logger } from "../logging/logger.js";
import { createSubgraphHttp, type RequestContext } from "../server/subgraph-server.js";
import { statisticsMetrics } from "../statistics/statistics-metrics.js";
import { Statistics } from "../statistics/statistics-service.js";
import { createReplayGuard, type ReplayGuard } from "../tokens/replay-guard.js";
import type { TokenKeyring } from "../tokens/token-keys.js";
import type { SubgraphDefinition } from "./define-subgraph.js";

export const DEFAULT_STATISTICS_REFRESH_SECONDS = 60;
export const DEFAULT_STATISTICS_REFRESH_TIMEOUT_MS = 60_000;

export type SubgraphApp<Prisma, Exposed = Record<never, never>> = Exposed & {
  handler: ReturnType<typeof createSubgraphHttp>["handler"];
  prisma: Prisma;
  database: Database;
  /** The register's statistics (tests and data generation refresh them at will). */
  statistics: Statistics;
  /** The register's events: `drain()` delivers everything available now (tests). */
  events: Pick<RegisterEvents, "drain">;
  close(): Promise<void>;
};

/** The app a declaration makes. */
export type AppOf<D> =
  D extends SubgraphDefinition<infer Prisma, infer _Context, infer _Options, infer _OwnEnv, infer Exposed>
    ? SubgraphApp<Prisma, Exposed>
    : never;

export interface SubgraphAppOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** The keys of the gateway's tokens to this register. */
  tokenKeys: TokenKeyring;
  /** A request without an authorization header: refused (default), or served in bench mode. */
  unauthenticated?: UnauthenticatedMode | undefined;
  logger: Logger;
  demoSeed: boolean;
  /** An already migrated database (tests); otherwise one is opened and migrated. */
  database?: Database;
  /** How old a statistics snapshot may grow before it is refreshed (STATISTICS_REFRESH_SECONDS; default 60). */
  statisticsRefreshSeconds?: number | undefined;
  /** How long one refresh's statement may run (STATISTICS_REFRESH_TIMEOUT_MS; default 60 000). */
  statisticsRefreshTimeoutMs?: number | undefined;
  /** How long the register waits for its PostgreSQL (DATABASE_*_TIMEOUT_MS). */
  databaseTimeouts?: DatabaseTimeouts | undefined;
  /** Redis shared by the subgraph's replicas, so that a gateway token is accepted once by all (REDIS_URL). */
  redisUrl?: string | undefined;
  /** A guard made by the caller (tests: two replicas on one Redis); otherwise one from `redisUrl`. */
  replayGuard?: ReplayGuard | undefined;
  /** JetStream for the events (NATS_URL); unset: consumers poll the producers' feeds through the graph. */
  nats?: NatsSettings | undefined;
  /** How often a consumer without NATS polls a feed, and waits for new events on NATS (EVENTS_POLL_INTERVAL_MS). */
  eventsPollIntervalMs?: number | undefined;
  /** How often the relay positions and publishes the outbox (EVENTS_RELAY_INTERVAL_MS). */
  eventsRelayIntervalMs?: number | undefined;
  /** false: the relay and consumers do not run in the background; tests drive `app.events.drain()`. */
  eventsInBackground?: boolean | undefined;
}

/** A register's graph client among its options (those asking the graph have one, `GraphOptions`). */
function graphOf(options: unknown): GraphClient | undefined {
  const graph = (options as { graph?: unknown }).graph;
  return graph && typeof (graph as GraphClient).query === "function" ? (graph as GraphClient) : undefined;
}

/**
 * The life of every subgraph: open and migrate its own database, let the register set itself up
 * (Prisma client, reference data, demo data), serve its schema behind the gateway's tokens, and
 * close everything it opened.
 */
export async function createSubgraph<
  Prisma extends { $disconnect(): Promise<void> },
  Context extends RequestContext,
  Options,
  OwnEnv,
  Exposed,
>(
  definition: SubgraphDefinition<Prisma, Context, Options, OwnEnv, Exposed>,
  options: SubgraphAppOptions & Options,
): Promise<SubgraphApp<Prisma, Exposed>> {
  const { name, migrationsDir, schema } = definition;
  const database =
    options.database ??
    (await prepareDatabase({
      name,
      url: options.databaseUrl,
      dataDir: options.dataDir,
      migrationsDir,
      log: options.logger,
      timeouts: options.databaseTimeouts,
    }));
  // A guard given by the caller is the caller's to close.
  let ownGuard: ReplayGuard | undefined;
  let statistics: Statistics | undefined;
  let events: RegisterEvents | undefined;
  let setup: Awaited<ReturnType<typeof definition.setup>> | undefined;
  try {
    ownGuard = options.replayGuard
      ? undefined
      : await createReplayGuard({ subgraph: name, redisUrl: options.redisUrl, logger: options.logger });
    const replayGuard = options.replayGuard ?? ownGuard;
    setup = await definition.setup({ database, logger: options.logger, options });
    const { prisma, context, seed, exposed, statistics: declarations, events: eventsSetup } = setup;
    const stopJobs = setup.stop;
    if (options.demoSeed && seed) {
      const seeded = await seed();
      if (seeded && Object.values(seeded).some((count) => count > 0)) {
        options.logger.info(seeded, "demo data seeded");
      }
    }
    statistics = new Statistics({
      register: name,
      sql: database.sql,
      statements: database.statements,
      declarations: declarations ?? [],
      refreshSeconds: options.statisticsRefreshSeconds ?? DEFAULT_STATISTICS_REFRESH_SECONDS,
      refreshTimeoutMs: options.statisticsRefreshTimeoutMs ?? DEFAULT_STATISTICS_REFRESH_TIMEOUT_MS,
      logger: options.logger,
    });
    const { server, handler, registry } = createSubgraphHttp({
      name,
      schema,
      tokenKeys: options.tokenKeys,
      unauthenticated: options.unauthenticated ?? "refuse",
      logger: options.logger,
      extendContext: context,
      ready: () => database.sql.query("SELECT 1"),
      statements: database.statements,
      pool: database.pool,
      replayGuard,
      statistics,
    });
    statisticsMetrics(registry, statistics);
    events = await startEvents({
      register: name,
      sql: database.sql,
      logger: options.logger,
      setup: eventsSetup,
      nats: options.nats,
      graph: graphOf(options),
      pollIntervalMs: options.eventsPollIntervalMs,
      relayIntervalMs: options.eventsRelayIntervalMs,
      background: options.eventsInBackground,
      metrics: eventMetrics(registry),
    });
    await server.start();
    statistics.start();
    const started = statistics;
    const startedEvents = events;
    return {
      ...(exposed as Exposed),
      handler,
      prisma,
      database,
      statistics: started,
      events: { drain: () => startedEvents.drain() },
      async close() {
        await server.stop();
        // A reaction under way commits (or rolls back) before its database is closed.
        await startedEvents.close();
        // A refresh under way finishes (or fails) before its database is closed.
        await started.close();
        await stopJobs?.();
        await prisma.$disconnect();
        await ownGuard?.close();
        if (!options.database) {
          await database.close();
        }
      },
    };
  } catch (error) {
    await events?.close();
    await statistics?.close();
    await setup?.stop?.();
    await setup?.prisma.$disconnect();
    await ownGuard?.close();
    if (!options.database) {
      await database.close();
    }
    throw error;
  }
}
