import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import DataLoader from "dataloader";
import type { Enrolment } from "../generated/prisma/index.js";
import type { ScheduleRules } from "./domain/entitlement.js";
import type { AidPrisma, Reads } from "./subgraph.js";

export interface Context extends RequestContext {
  prisma: AidPrisma;
  graph: GraphClient;
  schedules: () => Promise<ScheduleRules[]>;
  loaders: { enrolment: DataLoader<string, Enrolment | null> };
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
    loaders: {
      enrolment: new DataLoader(async (ids) => {
        const rows = await reads.enrolment.find({ key: "householdId", keys: ids });
        const byId = new Map(rows.map((row) => [row.householdId, row]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
    },
  });
}
