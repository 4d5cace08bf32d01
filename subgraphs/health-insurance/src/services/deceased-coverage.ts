import type { GraphClient } from "@spx/runtime/clients";
import type { Prisma as PrismaNamespace } from "../../generated/prisma/index.js";
import { personFacts } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";

const PAGE = 1000;

type Tx = PrismaNamespace.TransactionClient;

export const PRINCIPAL_DECEASED = "Principal deceased";

/**
 * Ends the open coverages of persons who died, in the caller's transaction: a dependant's own
 * coverage ends ("DECEASED"); a principal's affiliation closes with every coverage it holds, and its
 * pending notices are cancelled. Returns what changed.
 */
export async function endCoverageOfDeceased(
  tx: Tx,
  deceased: readonly string[],
  now: Date,
): Promise<{ coverages: number; closedAffiliations: string[] }> {
  const open = await tx.coverage.findMany({ where: { personIdcs: { in: [...deceased] }, until: null } });
  const closedAffiliations: string[] = [];
  for (const coverage of open) {
    await tx.coverage.updateMany({
      where: { id: coverage.id, until: null },
      data: { until: now, endReason: "DECEASED" },
    });
    if (coverage.role === "PRINCIPAL") {
      closedAffiliations.push(coverage.affiliationId);
      await tx.affiliation.update({
        where: { id: coverage.affiliationId },
        data: { status: "CLOSED", statusReason: PRINCIPAL_DECEASED, statusChangedAt: now },
      });
      await tx.coverage.updateMany({
        where: { affiliationId: coverage.affiliationId, until: null },
        data: { until: now, endReason: PRINCIPAL_DECEASED },
      });
      await tx.notice.updateMany({
        where: { affiliationId: coverage.affiliationId, status: "PENDING" },
        data: { status: "CANCELLED", settledAt: now, outcome: "Affiliation closed: principal deceased" },
      });
    }
  }
  return { coverages: open.length, closedAffiliations };
}

/**
 * The nationwide reconciliation job that ends the coverage of the deceased (the `person.died`
 * consumer does it as deaths are recorded; this catches anything recorded before it existed):
 * every open coverage, page by page, is checked against the population register (one graph call per
 * page). Returns how many coverages ended.
 */
export async function closeCoverageOfDeceased(prisma: InsurancePrisma, graph: GraphClient): Promise<number> {
  let ended = 0;
  let after: string | undefined;
  for (;;) {
    const page = await prisma.coverage.findMany({
      where: { until: null, ...(after ? { personIdcs: { gt: after } } : {}) },
      orderBy: { personIdcs: "asc" },
      take: PAGE,
    });
    if (page.length === 0) {
      return ended;
    }
    after = page.at(-1)?.personIdcs;
    const facts = await personFacts(
      graph,
      page.map((c) => c.personIdcs),
    );
    const dead = page.filter((c) => facts.get(c.personIdcs)?.lifeStatus === "DECEASED").map((c) => c.personIdcs);
    if (dead.length > 0) {
      const result = await prisma.$transaction((tx) => endCoverageOfDeceased(tx, dead, new Date()));
      ended += result.coverages;
    }
  }
}
