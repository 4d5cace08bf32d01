import { fileURLToPath } from "node:url";
import { type GraphClient, serviceGraphClient } from "@spx/runtime/clients";
import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import { type Enrolment, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { SHIPPED_SCHEDULES } from "./domain/entitlement.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type AidPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export type Reads = ReturnType<typeof createReads>;
export function createReads(prisma: AidPrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return {
    enrolment: reads<Enrolment>("Enrolment", prisma.enrolment),
  };
}

export interface DirectAidOptions {
  /** How the register asks other registers: through the gateway, under its own client. */
  graph: GraphClient;
}

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
  envPrefix: "DIRECT_AID",
  defaultPort: 4004,
  asksGraph: true,
  migrationsDir: fileURLToPath(new URL("../prisma/migrations", import.meta.url)),
  schema,
  options: async (env, logger): Promise<DirectAidOptions> => ({ graph: serviceGraphClient(env, logger) }),
  async setup({ database, options }: { database: Database; options: DirectAidOptions }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    await installSchedules(prisma);
    const reads = createReads(prisma, database);
    return {
      prisma,
      context: createContext(prisma, reads, options.graph),
      seed: async () => ({ enrolments: await seedDemoIfEmpty(prisma) }),
    };
  },
});
