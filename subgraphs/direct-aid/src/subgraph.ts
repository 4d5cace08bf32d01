import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph, graphOptions } from "@spx/runtime/subgraph";
import {
  type Application,
  type Enrolment,
  type PaymentOrder,
  Prisma,
  PrismaClient,
} from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { SHIPPED_AID_RULES } from "./domain/aid-rules.js";
import { SHIPPED_SCHEDULES } from "./domain/entitlement.js";
import { schema } from "./schema/index.js";
import { DIRECT_AID_STATISTICS } from "./schema/statistics.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";
import { noticeJob } from "./services/notice-job.js";
import { directAidConsumers } from "./services/reactions.js";

export type AidPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: AidPrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    enrolment: reads<Enrolment>("Enrolment", prisma.enrolment),
    application: reads<Application>("Application", prisma.application),
    paymentOrder: reads<PaymentOrder>("PaymentOrder", prisma.paymentOrder),
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

/** Shipped aid rules likewise: a row an operator changed, or one with a later date, stands. */
async function installAidRules(prisma: AidPrisma): Promise<void> {
  await prisma.aidRule.createMany({
    data: SHIPPED_AID_RULES.map((rule) => ({
      name: rule.name,
      effectiveFrom: new Date(`${rule.effectiveFrom}T00:00:00Z`),
      value: JSON.parse(JSON.stringify(rule.value)),
      source: rule.source,
    })),
    skipDuplicates: true,
  });
}

/** Direct Social Aid (ASD): applications, decisions, monthly payments. */
export const directAid = defineSubgraph({
  name: "direct-aid",
  defaultPort: 4004,
  asksGraph: true,
  module: import.meta.url,
  schema,
  options: graphOptions,
  async setup({ database, options, logger }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    await installSchedules(prisma);
    await installAidRules(prisma);
    const notices = noticeJob(prisma, options.graph, logger);
    await notices.start();
    return {
      prisma,
      exposed: { notices },
      // A run under way finishes before the Prisma client closes.
      stop: () => notices.stop(),
      events: { consumers: directAidConsumers({ prisma, graph: options.graph, logger }) },
      context: createContext(prisma, createReads(prisma, database), options.graph),
      seed: async () => ({ enrolments: await seedDemoIfEmpty(prisma) }),
      statistics: [DIRECT_AID_STATISTICS],
    };
  },
});
