import { fileURLToPath } from "node:url";
import type { GraphClient } from "@spx/runtime/clients";
import { createSubgraphApp, type SubgraphApp, type SubgraphAppOptions } from "@spx/runtime/subgraph";
import { createContext } from "./context.js";
import { type AidPrisma, createPrisma } from "./db.js";
import { SHIPPED_SCHEDULES } from "./domain/entitlement.js";
import { createReads } from "./reads.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "direct-aid";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

export type DirectAidApp = SubgraphApp<AidPrisma>;

/** Shipped schedules are inserted when missing, never overwritten: an operator's edit stands. */
async function installSchedules(prisma: AidPrisma): Promise<void> {
  for (const rules of SHIPPED_SCHEDULES) {
    await prisma.entitlementSchedule.upsert({
      where: { year: rules.year },
      create: { year: rules.year, rules: JSON.parse(JSON.stringify(rules)) },
      update: {},
    });
  }
}

/** The direct-aid subgraph over its database; `graph` is how it asks other registers. */
export function createDirectAidApp(options: SubgraphAppOptions & { graph: GraphClient }): Promise<DirectAidApp> {
  return createSubgraphApp({
    ...options,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    schema,
    async setup(database) {
      const prisma = createPrisma(database);
      await installSchedules(prisma);
      return {
        prisma,
        extendContext: createContext(prisma, createReads(prisma, database), options.graph),
        async seed() {
          const seeded = await seedDemoIfEmpty(prisma);
          if (seeded > 0) {
            options.logger.info({ enrolments: seeded }, "demo enrolments seeded");
          }
        },
      };
    },
  });
}
