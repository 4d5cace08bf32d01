import { fileURLToPath } from "node:url";
import type { Database } from "@spx/runtime/database";
import type { Logger } from "@spx/runtime/logger";
import { prepareDatabase } from "@spx/runtime/service";
import { createSubgraphHttp } from "@spx/runtime/subgraph-server";
import type { JWTVerifyGetKey } from "jose";
import { createContext } from "./context.js";
import { createPrisma, type PopulationPrisma } from "./db.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "population";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

export interface PopulationApp {
  handler: ReturnType<typeof createSubgraphHttp>["handler"];
  prisma: PopulationPrisma;
  database: Database;
  close(): Promise<void>;
}

/**
 * Builds the population subgraph over a database: migrations applied, demo data seeded when asked,
 * HTTP handler ready to listen. Used by main.ts and by the tests alike.
 */
export async function createPopulationApp(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  gatewayKeys: JWTVerifyGetKey;
  logger: Logger;
  demoSeed: boolean;
  database?: Database;
}): Promise<PopulationApp> {
  const database =
    options.database ??
    (await prepareDatabase({
      name: SUBGRAPH_NAME,
      url: options.databaseUrl,
      dataDir: options.dataDir,
      migrationsDir: MIGRATIONS_DIR,
      log: options.logger,
    }));
  const prisma = createPrisma(database);
  if (options.demoSeed) {
    const seeded = await seedDemoIfEmpty(prisma);
    if (seeded > 0) {
      options.logger.info({ persons: seeded }, "demo population seeded");
    }
  }
  const { server, handler } = createSubgraphHttp({
    name: SUBGRAPH_NAME,
    schema,
    gatewayKeys: options.gatewayKeys,
    logger: options.logger,
    extendContext: createContext(prisma),
    ready: () => database.sql.query("SELECT 1"),
  });
  await server.start();
  return {
    handler,
    prisma,
    database,
    async close() {
      await server.stop();
      await prisma.$disconnect();
      if (!options.database) {
        await database.close();
      }
    },
  };
}
