import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import type { ScheduleRules } from "./domain/entitlement.js";
import { createLoaders, type Loaders } from "./loaders.js";
import type { AidPrisma, Reads } from "./subgraph.js";

export interface Context extends RequestContext {
  prisma: AidPrisma;
  graph: GraphClient;
  schedules: () => Promise<ScheduleRules[]>;
  loaders: Loaders;
}

export function createContext(prisma: AidPrisma, reads: Reads, graph: GraphClient) {
  const schedules = async () =>
    (await prisma.entitlementSchedule.findMany({ orderBy: { year: "asc" } })).map(
      (row) => row.rules as unknown as ScheduleRules,
    );
  return (base: RequestContext): Context => ({
    ...base,
    prisma,
    graph,
    schedules,
    loaders: createLoaders(prisma, reads, base),
  });
}
