import type { GraphQLSchema } from "graphql";
import type { JWTVerifyGetKey } from "jose";
import type { UnauthenticatedMode } from "../access/access-bench.js";
import type { Database } from "../database/database.js";
import type { DatabaseTimeouts } from "../database/database-timeouts.js";
import { prepareDatabase } from "../database/prepare-database.js";
import type { Logger } from "../logging/logger.js";
import { createSubgraphHttp, type RequestContext } from "../server/subgraph-server.js";
import { createReplayGuard, type ReplayGuard } from "../tokens/replay-guard.js";

export interface SubgraphApp<Prisma> {
  handler: ReturnType<typeof createSubgraphHttp>["handler"];
  prisma: Prisma;
  database: Database;
  close(): Promise<void>;
}

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
}

/**
 * The life of every subgraph: open and migrate its own database, let the register set itself up
 * (Prisma client, reference data, demo data), serve its schema behind the gateway's tokens, and
 * close everything it opened.
 */
export async function createSubgraphApp<
  Prisma extends { $disconnect(): Promise<void> },
  Context extends RequestContext,
>(
  options: SubgraphAppOptions & {
    name: string;
    migrationsDir: string;
    schema: GraphQLSchema;
    setup(database: Database): Promise<{
      prisma: Prisma;
      extendContext: (base: RequestContext) => Context;
      seed?: () => Promise<void>;
    }>;
  },
): Promise<SubgraphApp<Prisma>> {
  const database =
    options.database ??
    (await prepareDatabase({
      name: options.name,
      url: options.databaseUrl,
      dataDir: options.dataDir,
      migrationsDir: options.migrationsDir,
      log: options.logger,
      timeouts: options.databaseTimeouts,
    }));
  // A guard given by the caller is the caller's to close.
  let ownGuard: ReplayGuard | undefined;
  try {
    ownGuard = options.replayGuard
      ? undefined
      : await createReplayGuard({ subgraph: options.name, redisUrl: options.redisUrl, logger: options.logger });
    const replayGuard = options.replayGuard ?? ownGuard;
    const { prisma, extendContext, seed } = await options.setup(database);
    if (options.demoSeed && seed) {
      await seed();
    }
    const { server, handler } = createSubgraphHttp({
      name: options.name,
      schema: options.schema,
      gatewayKeys: options.gatewayKeys,
      unauthenticated: options.unauthenticated ?? "refuse",
      logger: options.logger,
      extendContext,
      ready: () => database.sql.query("SELECT 1"),
      statements: database.statements,
      statisticsMaxAgeSeconds: options.statisticsMaxAgeSeconds,
      replayGuard,
    });
    await server.start();
    return {
      handler,
      prisma,
      database,
      async close() {
        await server.stop();
        await prisma.$disconnect();
        await ownGuard?.close();
        if (!options.database) {
          await database.close();
        }
      },
    };
  } catch (error) {
    await ownGuard?.close();
    if (!options.database) {
      await database.close();
    }
    throw error;
  }
}
