import type { JWTVerifyGetKey } from "jose";
import type { UnauthenticatedMode } from "../access/access-bench.js";
import type { Database } from "../database/database.js";
import { type DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS } from "../database/database-timeouts.js";
import { prepareDatabase } from "../database/prepare-database.js";
import type { Logger } from "../logging/logger.js";
import { type AggregateStore, createAggregateStore } from "../schema/shared-aggregates.js";
import { createSubgraphHttp, type RequestContext } from "../server/subgraph-server.js";
import { createReplayGuard, type ReplayGuard } from "../tokens/replay-guard.js";
import type { SubgraphDefinition } from "./define-subgraph.js";

export type SubgraphApp<Prisma, Exposed = Record<never, never>> = Exposed & {
  handler: ReturnType<typeof createSubgraphHttp>["handler"];
  prisma: Prisma;
  database: Database;
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
  gatewayKeys: JWTVerifyGetKey;
  /** A request without an authorization header: refused (default), or served in bench mode. */
  unauthenticated?: UnauthenticatedMode | undefined;
  logger: Logger;
  demoSeed: boolean;
  /** An already migrated database (tests); otherwise one is opened and migrated. */
  database?: Database;
  /** How long a statistics answer is reused (STATISTICS_MAX_AGE_SECONDS; default 0). */
  statisticsMaxAgeSeconds?: number | undefined;
  /** How long the register waits for its PostgreSQL (DATABASE_*_TIMEOUT_MS). */
  databaseTimeouts?: DatabaseTimeouts | undefined;
  /** Redis shared by the subgraph's replicas, so that a gateway token is accepted once by all (REDIS_URL). */
  redisUrl?: string | undefined;
  /** A guard made by the caller (tests: two replicas on one Redis); otherwise one from `redisUrl`. */
  replayGuard?: ReplayGuard | undefined;
  /** A statistics store made by the caller (tests: a key prefix of their own); otherwise one from `redisUrl`. */
  aggregateStore?: AggregateStore | undefined;
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
  // A guard or store given by the caller is the caller's to close.
  let ownGuard: ReplayGuard | undefined;
  let ownStore: AggregateStore | undefined;
  try {
    ownGuard = options.replayGuard
      ? undefined
      : await createReplayGuard({ subgraph: name, redisUrl: options.redisUrl, logger: options.logger });
    const replayGuard = options.replayGuard ?? ownGuard;
    const timeouts = options.databaseTimeouts ?? DEFAULT_DATABASE_TIMEOUTS;
    ownStore = options.aggregateStore
      ? undefined
      : createAggregateStore({
          subgraph: name,
          redisUrl: options.redisUrl,
          logger: options.logger,
          // Another replica's statistic is not waited for longer than its one statement may take.
          lockMs: timeouts.connectMs + timeouts.queryMs,
        });
    const { prisma, context, seed, exposed } = await definition.setup({
      database,
      logger: options.logger,
      options,
    });
    if (options.demoSeed && seed) {
      const seeded = await seed();
      if (seeded && Object.values(seeded).some((count) => count > 0)) {
        options.logger.info(seeded, "demo data seeded");
      }
    }
    const { server, handler } = createSubgraphHttp({
      name,
      schema,
      gatewayKeys: options.gatewayKeys,
      unauthenticated: options.unauthenticated ?? "refuse",
      logger: options.logger,
      extendContext: context,
      ready: () => database.sql.query("SELECT 1"),
      statements: database.statements,
      pool: database.pool,
      statisticsMaxAgeSeconds: options.statisticsMaxAgeSeconds,
      replayGuard,
      aggregateStore: options.aggregateStore ?? ownStore,
    });
    await server.start();
    return {
      ...(exposed as Exposed),
      handler,
      prisma,
      database,
      async close() {
        await server.stop();
        await prisma.$disconnect();
        await ownGuard?.close();
        await ownStore?.close();
        if (!options.database) {
          await database.close();
        }
      },
    };
  } catch (error) {
    await ownGuard?.close();
    await ownStore?.close();
    if (!options.database) {
      await database.close();
    }
    throw error;
  }
}
