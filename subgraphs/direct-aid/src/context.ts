import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import type { AidRuleRow } from "./domain/aid-rules.js";
import type { RuleBook } from "./domain/assessment.js";
import type { ScheduleRules } from "./domain/entitlement.js";
import { createLoaders, type Loaders } from "./loaders.js";
import type { AidPrisma, Reads } from "./subgraph.js";

export interface Context extends RequestContext {
  prisma: AidPrisma;
  graph: GraphClient;
  schedules: () => Promise<ScheduleRules[]>;
  /** The yearly amounts and the aid rules with their effective dates, as stored. */
  ruleBook: () => Promise<RuleBook>;
  loaders: Loaders;
}

/** The stored schedules and aid rules (the shipped ones are installed at start-up). */
export async function loadRuleBook(prisma: AidPrisma): Promise<RuleBook> {
  const [schedules, rules] = await Promise.all([
    prisma.entitlementSchedule.findMany({ orderBy: { year: "asc" } }),
    prisma.aidRule.findMany({ orderBy: [{ name: "asc" }, { effectiveFrom: "asc" }] }),
  ]);
  return {
    schedules: schedules.map((row) => row.rules as unknown as ScheduleRules),
    rules: rules.map(
      (row) =>
        ({
          name: row.name,
          effectiveFrom: row.effectiveFrom.toISOString().slice(0, 10),
          value: row.value,
          source: row.source,
        }) as AidRuleRow,
    ),
  };
}

export function createContext(prisma: AidPrisma, reads: Reads, graph: GraphClient) {
  const schedules = async () =>
    (await prisma.entitlementSchedule.findMany({ orderBy: { year: "asc" } })).map(
      (row) => row.rules as unknown as ScheduleRules,
    );
  const ruleBook = () => loadRuleBook(prisma);
  return (base: RequestContext): Context => ({
    ...base,
    prisma,
    graph,
    schedules,
    ruleBook,
    loaders: createLoaders(prisma, reads, base),
  });
}
