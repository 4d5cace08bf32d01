import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import DataLoader from "dataloader";
import type { Affiliation, Coverage } from "../generated/prisma/index.js";
import type { InsurancePrisma, Reads } from "./subgraph.js";

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

export function createLoaders(reads: Reads): Loaders {
  return {
    currentCoverage: new DataLoader(async (idcs) => {
      const rows = await reads.coverage.find({ key: "personIdcs", keys: idcs, where: { until: null } });
      const affiliations = await reads.affiliation.find({
        key: "id",
        keys: [...new Set(rows.map((row) => row.affiliationId))],
      });
      const affiliationById = new Map(affiliations.map((a) => [a.id, a]));
      const byPerson = new Map(
        rows.flatMap((row) => {
          const affiliation = affiliationById.get(row.affiliationId);
          return affiliation ? [[row.personIdcs, { ...row, affiliation }] as const] : [];
        }),
      );
      return idcs.map((id) => byPerson.get(id) ?? null);
    }),
    affiliation: new DataLoader(async (ids) => {
      const rows = await reads.affiliation.find({ key: "id", keys: ids });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    coverages: new DataLoader(async (ids) => {
      const rows = await reads.coverage.find({
        key: "affiliationId",
        keys: ids,
        orderBy: [
          ["since", "asc"],
          ["id", "asc"],
        ],
      });
      return ids.map((id) => rows.filter((row) => row.affiliationId === id));
    }),
  };
}

export function createContext(prisma: InsurancePrisma, reads: Reads, graph: GraphClient) {
  return (base: RequestContext): Context => ({ ...base, prisma, graph, loaders: createLoaders(reads) });
}
