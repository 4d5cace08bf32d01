import { fileURLToPath } from "node:url";
import type { Database } from "@spx/runtime/database";
import type { GraphClient } from "@spx/runtime/graph-client";
import type { Logger } from "@spx/runtime/logger";
import { prepareDatabase } from "@spx/runtime/service";
import { createSubgraphHttp } from "@spx/runtime/subgraph-server";
import type { JWTVerifyGetKey } from "jose";
import { createContext } from "./context.js";
import { createPrisma, type RegistryPrisma } from "./db.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "./registry-data.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "social-registry";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

export interface SocialRegistryApp {
  handler: ReturnType<typeof createSubgraphHttp>["handler"];
  prisma: RegistryPrisma;
  database: Database;
  data: RegistryData;
  close(): Promise<void>;
}

/**
 * Builds the social-registry subgraph over a database: migrations, reference data (models and
 * thresholds), demo data when asked, and the HTTP handler. `graph` is how it asks other registers.
 */
export async function createSocialRegistryApp(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  gatewayKeys: JWTVerifyGetKey;
  graph: GraphClient;
  logger: Logger;
  demoSeed: boolean;
  database?: Database;
}): Promise<SocialRegistryApp> {
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
  await installShippedReferenceData(prisma);
  const data = await loadRegistryData(prisma);
  if (options.demoSeed) {
    const seeded = await seedDemoIfEmpty(prisma, data);
    if (seeded > 0) {
      options.logger.info({ households: seeded }, "demo households seeded");
    }
  }
  const { server, handler } = createSubgraphHttp({
    name: SUBGRAPH_NAME,
    schema,
    gatewayKeys: options.gatewayKeys,
    logger: options.logger,
    extendContext: createContext(prisma, data, options.graph),
    ready: () => database.sql.query("SELECT 1"),
  });
  await server.start();
  return {
    handler,
    prisma,
    database,
    data,
    async close() {
      await server.stop();
      await prisma.$disconnect();
      if (!options.database) {
        await database.close();
      }
    },
  };
}
