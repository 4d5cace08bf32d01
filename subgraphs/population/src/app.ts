import { fileURLToPath } from "node:url";
import { createSubgraphApp, type SubgraphApp, type SubgraphAppOptions } from "@spx/runtime/subgraph";
import { createContext } from "./context.js";
import { createPrisma, type PopulationPrisma } from "./db.js";
import { createReads } from "./reads.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "population";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

export type PopulationApp = SubgraphApp<PopulationPrisma>;

/** The population subgraph over its database; used by main.ts and by the tests alike. */
export function createPopulationApp(options: SubgraphAppOptions): Promise<PopulationApp> {
  return createSubgraphApp({
    ...options,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    schema,
    async setup(database) {
      const prisma = createPrisma(database);
      return {
        prisma,
        extendContext: createContext(prisma, createReads(prisma, database)),
        async seed() {
          const seeded = await seedDemoIfEmpty(prisma);
          if (seeded > 0) {
            options.logger.info({ persons: seeded }, "demo population seeded");
          }
        },
      };
    },
  });
}
