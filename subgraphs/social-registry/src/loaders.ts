import { groupedLoader, keyedLoader } from "@spx/runtime/database";
import type DataLoader from "dataloader";
import type { Declaration, Household, IndexComputation, Membership } from "../generated/prisma/index.js";
import type { Reads, RegistryPrisma } from "./subgraph.js";

export interface Loaders {
  household: DataLoader<string, Household | null>;
  /** The open membership of each person, if any. */
  membershipOfPerson: DataLoader<string, Membership | null>;
  /** Current members of each household. */
  members: DataLoader<string, Membership[]>;
  currentIndex: DataLoader<string, IndexComputation | null>;
  latestDeclaration: DataLoader<string, Declaration | null>;
  /** Every declaration of each household, newest first. */
  declarations: DataLoader<string, Declaration[]>;
  /** Every index computation of each household, newest first. */
  indexComputations: DataLoader<string, IndexComputation[]>;
  /** One of each household's revision requests awaiting a decision, if it has any. */
  openRevision: DataLoader<string, { householdId: string } | null>;
}

/** One SQL statement per loader per tick, however many households or persons are asked for. */
export function createLoaders(prisma: RegistryPrisma, reads: Reads): Loaders {
  return {
    household: keyedLoader(
      (ids) => reads.household.find({ key: "id", keys: ids }),
      (h) => h.id,
    ),
    membershipOfPerson: keyedLoader(
      (idcs) => reads.membership.find({ key: "personIdcs", keys: idcs, where: { until: null } }),
      (m) => m.personIdcs,
    ),
    members: groupedLoader(
      (ids) =>
        reads.membership.find({
          key: "householdId",
          keys: ids,
          where: { until: null },
          orderBy: [
            ["since", "asc"],
            ["id", "asc"],
          ],
        }),
      (m) => m.householdId,
    ),
    currentIndex: keyedLoader(
      (ids) => reads.indexComputation.find({ key: "householdId", keys: ids, where: { current: true } }),
      (c) => c.householdId,
    ),
    latestDeclaration: keyedLoader(
      (ids) =>
        reads.declaration.find({ key: "householdId", keys: ids, orderBy: [["version", "desc"]], firstPerKey: true }),
      (d) => d.householdId,
    ),
    declarations: groupedLoader(
      (ids) => prisma.declaration.findMany({ where: { householdId: { in: [...ids] } }, orderBy: { version: "desc" } }),
      (d) => d.householdId,
    ),
    indexComputations: groupedLoader(
      (ids) =>
        prisma.indexComputation.findMany({
          where: { householdId: { in: [...ids] } },
          orderBy: [{ computedAt: "desc" }, { declarationVersion: "desc" }],
        }),
      (c) => c.householdId,
    ),
    openRevision: keyedLoader(
      (ids) =>
        prisma.revisionRequest.findMany({
          where: { householdId: { in: [...ids] }, status: "OPEN" },
          select: { householdId: true },
          distinct: ["householdId"],
        }),
      (r) => r.householdId,
    ),
  };
}
