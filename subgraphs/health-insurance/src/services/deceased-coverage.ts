import type { GraphClient } from "@spx/runtime/clients";
import { personFacts } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";

const PAGE = 1000;

/**
 * The nationwide job that ends the coverage of the deceased: every open coverage, page by page,
 * is checked against the population register (one graph call per page), and a dead principal's
 * affiliation is closed with all its coverages. Returns how many coverages ended.
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
    const dead = page.filter((c) => facts.get(c.personIdcs)?.lifeStatus === "DECEASED");
    const now = new Date();
    await prisma.$transaction(async (tx) => {
      for (const coverage of dead) {
        await tx.coverage.updateMany({
          where: { id: coverage.id, until: null },
          data: { until: now, endReason: "DECEASED" },
        });
        if (coverage.role === "PRINCIPAL") {
          await tx.affiliation.update({
            where: { id: coverage.affiliationId },
            data: { status: "CLOSED", statusReason: "Principal deceased", statusChangedAt: now },
          });
          await tx.coverage.updateMany({
            where: { affiliationId: coverage.affiliationId, until: null },
            data: { until: now, endReason: "Principal deceased" },
          });
        }
      }
    });
    ended += dead.length;
  }
}
