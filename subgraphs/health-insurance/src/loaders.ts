import { groupedLoader, keyedLoader } from "@spx/runtime/database";
import type DataLoader from "dataloader";
import type { Affiliation, Coverage } from "../generated/prisma/index.js";
import type { InsurancePrisma, Reads } from "./subgraph.js";

export type CoverageWithAffiliation = Coverage & { affiliation: Affiliation };

export interface Loaders {
  /** Each person's open coverage, with its affiliation. */
  currentCoverage: DataLoader<string, CoverageWithAffiliation | null>;
  affiliation: DataLoader<string, Affiliation | null>;
  /** The coverages of each affiliation. */
  coverages: DataLoader<string, Coverage[]>;
  /** Every coverage of each person, newest first, with its affiliation. */
  coverageHistory: DataLoader<string, CoverageWithAffiliation[]>;
}

export function createLoaders(prisma: InsurancePrisma, reads: Reads): Loaders {
  return {
    currentCoverage: keyedLoader(
      async (idcs) => {
        const rows = await reads.coverage.find({ key: "personIdcs", keys: idcs, where: { until: null } });
        const affiliations = await reads.affiliation.find({
          key: "id",
          keys: [...new Set(rows.map((row) => row.affiliationId))],
        });
        const affiliationById = new Map(affiliations.map((a) => [a.id, a]));
        return rows.flatMap((row) => {
          const affiliation = affiliationById.get(row.affiliationId);
          return affiliation ? [{ ...row, affiliation }] : [];
        });
      },
      (coverage) => coverage.personIdcs,
    ),
    affiliation: keyedLoader(
      (ids) => reads.affiliation.find({ key: "id", keys: ids }),
      (a) => a.id,
    ),
    coverages: groupedLoader(
      (ids) =>
        reads.coverage.find({
          key: "affiliationId",
          keys: ids,
          orderBy: [
            ["since", "asc"],
            ["id", "asc"],
          ],
        }),
      (coverage) => coverage.affiliationId,
    ),
    coverageHistory: groupedLoader(
      (idcs) =>
        prisma.coverage.findMany({
          where: { personIdcs: { in: [...idcs] } },
          include: { affiliation: true },
          orderBy: { since: "desc" },
        }),
      (coverage) => coverage.personIdcs,
    ),
  };
}
