import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph, graphOptions } from "@spx/runtime/subgraph";
import { type Affiliation, type Coverage, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type InsurancePrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: InsurancePrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    coverage: reads<Coverage>("Coverage", prisma.coverage),
    affiliation: reads<Affiliation>("Affiliation", prisma.affiliation),
  }));
export type Reads = ReturnType<typeof createReads>;

/** Compulsory health insurance (AMO), AMO-Tadamon included. */
export const healthInsurance = defineSubgraph({
  name: "health-insurance",
  defaultPort: 4003,
  asksGraph: true,
  module: import.meta.url,
  schema,
  options: graphOptions,
  async setup({ database, options }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    return {
      prisma,
      context: createContext(prisma, createReads(prisma, database), options.graph),
      seed: async () => ({ affiliations: await seedDemoIfEmpty(prisma) }),
    };
  },
});
