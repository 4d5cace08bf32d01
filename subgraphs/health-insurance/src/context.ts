import type { GraphClient } from "@spx/runtime/graph-client";
import type { RequestContext } from "@spx/runtime/subgraph-server";
import DataLoader from "dataloader";
import type { Affiliation, Coverage } from "../generated/prisma/index.js";
import type { InsurancePrisma } from "./db.js";

export type CoverageWithAffiliation = Coverage & { affiliation: Affiliation };

export interface Loaders {
  /** Each person's open coverage, with its affiliation. */
  currentCoverage: DataLoader<string, CoverageWithAffiliation | null>;
  affiliation: DataLoader<string, Affiliation | null>;
  coverages: DataLoader<string, Coverage[]>;
}

export interface Context extends RequestContext {
  prisma: InsurancePrisma;
  loaders: Loaders;
  graph: GraphClient;
}

export function createLoaders(prisma: InsurancePrisma): Loaders {
  return {
    currentCoverage: new DataLoader(async (idcs) => {
      const rows = await prisma.coverage.findMany({
        where: { personIdcs: { in: [...idcs] }, until: null },
        include: { affiliation: true },
      });
      const byPerson = new Map(rows.map((row) => [row.personIdcs, row]));
      return idcs.map((id) => byPerson.get(id) ?? null);
    }),
    affiliation: new DataLoader(async (ids) => {
      const rows = await prisma.affiliation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    coverages: new DataLoader(async (ids) => {
      const rows = await prisma.coverage.findMany({
        where: { affiliationId: { in: [...ids] } },
        orderBy: { since: "asc" },
      });
      return ids.map((id) => rows.filter((row) => row.affiliationId === id));
    }),
  };
}

export function createContext(prisma: InsurancePrisma, graph: GraphClient) {
  return (base: RequestContext): Context => ({ ...base, prisma, graph, loaders: createLoaders(prisma) });
}
