import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph, type GraphOptions, graphOptions } from "@spx/runtime/subgraph";
import { type Affiliation, type Coverage, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { COVERAGE_STATISTICS } from "./schema/statistics.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";
import { type NoticeJob, startNoticeJob } from "./services/notices.js";
import { healthInsuranceConsumers } from "./services/reactions.js";
import { installRules, setting } from "./services/rules-store.js";

export type InsurancePrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: InsurancePrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    coverage: reads<Coverage>("Coverage", prisma.coverage),
    affiliation: reads<Affiliation>("Affiliation", prisma.affiliation),
  }));
export type Reads = ReturnType<typeof createReads>;

export interface HealthInsuranceOptions extends GraphOptions {
  /** How often the notices job runs; default: the NOTICE_JOB_INTERVAL_SECONDS setting (60). */
  noticeJobIntervalSeconds?: number | undefined;
}

/** Compulsory health insurance (AMO), AMO-Tadamon included. */
export const healthInsurance = defineSubgraph({
  name: "health-insurance",
  defaultPort: 4003,
  asksGraph: true,
  module: import.meta.url,
  schema,
  options: (settings, logger): Promise<HealthInsuranceOptions> => graphOptions(settings, logger),
  async setup({ database, options, logger }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    await installRules(prisma);
    const notices: NoticeJob = startNoticeJob({
      prisma,
      graph: options.graph,
      intervalMs: (options.noticeJobIntervalSeconds ?? (await setting(prisma, "NOTICE_JOB_INTERVAL_SECONDS"))) * 1000,
      logger,
    });
    return {
      prisma,
      context: createContext(prisma, createReads(prisma, database), options.graph),
      seed: async () => ({ affiliations: await seedDemoIfEmpty(prisma) }),
      statistics: [COVERAGE_STATISTICS],
      exposed: { notices },
      events: { consumers: healthInsuranceConsumers({ prisma, graph: options.graph }) },
      // A run under way finishes before the Prisma client closes.
      stop: () => notices.stop(),
    };
  },
});
