import { groupedLoader, keyedLoader } from "@spx/runtime/database";
import DataLoader from "dataloader";
import type { Affiliation, Coverage, Notice } from "../generated/prisma/index.js";
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
  /** The notices of the affiliations that cover or covered each person, newest first. */
  notices: DataLoader<string, Notice[]>;
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
    notices: new DataLoader<string, Notice[]>(async (idcs) => {
      const coverages = await prisma.coverage.findMany({
        where: { personIdcs: { in: [...idcs] } },
        select: { personIdcs: true, affiliationId: true },
      });
      const notices = await prisma.notice.findMany({
        where: { affiliationId: { in: [...new Set(coverages.map((c) => c.affiliationId))] } },
        orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      });
      return idcs.map((idcs) => {
        const mine = new Set(coverages.filter((c) => c.personIdcs === idcs).map((c) => c.affiliationId));
        return notices.filter((n) => mine.has(n.affiliationId));
      });
    }),
  };
}
