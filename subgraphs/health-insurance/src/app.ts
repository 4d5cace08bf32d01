import { fileURLToPath } from "node:url";
import type { GraphClient } from "@spx/runtime/clients";
import { createSubgraphApp, type SubgraphApp, type SubgraphAppOptions } from "@spx/runtime/subgraph";
import { createContext } from "./context.js";
import { createPrisma, type InsurancePrisma } from "./db.js";
import { createReads } from "./reads.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "health-insurance";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

export type HealthInsuranceApp = SubgraphApp<InsurancePrisma>;

/** The health-insurance subgraph over its database; `graph` is how it asks other registers. */
export function createHealthInsuranceApp(
  options: SubgraphAppOptions & { graph: GraphClient },
): Promise<HealthInsuranceApp> {
  return createSubgraphApp({
    ...options,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    schema,
    async setup(database) {
      const prisma = createPrisma(database);
      return {
        prisma,
        extendContext: createContext(prisma, createReads(prisma, database), options.graph),
        async seed() {
          const seeded = await seedDemoIfEmpty(prisma);
          if (seeded > 0) {
            options.logger.info({ affiliations: seeded }, "demo affiliations seeded");
          }
        },
      };
    },
  });
}
