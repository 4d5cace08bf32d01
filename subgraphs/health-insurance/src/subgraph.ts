import { fileURLToPath } from "node:url";
import { type GraphClient, serviceGraphClient } from "@spx/runtime/clients";
import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import { type Affiliation, type Coverage, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type InsurancePrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export type Reads = ReturnType<typeof createReads>;
export function createReads(prisma: InsurancePrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return {
    coverage: reads<Coverage>("Coverage", prisma.coverage),
    affiliation: reads<Affiliation>("Affiliation", prisma.affiliation),
  };
}

export interface HealthInsuranceOptions {
  /** How the register asks other registers: through the gateway, under its own client. */
  graph: GraphClient;
}

/** Compulsory health insurance (AMO), AMO-Tadamon included. */
export const healthInsurance = defineSubgraph({
  name: "health-insurance",
  envPrefix: "HEALTH_INSURANCE",
  defaultPort: 4003,
  asksGraph: true,
  migrationsDir: fileURLToPath(new URL("../prisma/migrations", import.meta.url)),
  schema,
  options: async (env, logger): Promise<HealthInsuranceOptions> => ({ graph: serviceGraphClient(env, logger) }),
  async setup({ database, options }: { database: Database; options: HealthInsuranceOptions }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    const reads = createReads(prisma, database);
    return {
      prisma,
      context: createContext(prisma, reads, options.graph),
      seed: async () => ({ affiliations: await seedDemoIfEmpty(prisma) }),
    };
  },
});
