import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph, graphOptions } from "@spx/runtime/subgraph";
import { type Enrolment, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { SHIPPED_SCHEDULES } from "./domain/entitlement.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type AidPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: AidPrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    enrolment: reads<Enrolment>("Enrolment", prisma.enrolment),
  }));
export type Reads = ReturnType<typeof createReads>;

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

/** Direct Social Aid (ASD): applications, decisions, monthly payments. */
export const directAid = defineSubgraph({
  name: "direct-aid",
  defaultPort: 4004,
  asksGraph: true,
  module: import.meta.url,
  schema,
  options: graphOptions,
  async setup({ database, options }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    await installSchedules(prisma);
    return {
      prisma,
      context: createContext(prisma, createReads(prisma, database), options.graph),
      seed: async () => ({ enrolments: await seedDemoIfEmpty(prisma) }),
    };
  },
});
