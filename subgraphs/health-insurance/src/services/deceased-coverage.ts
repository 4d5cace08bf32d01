import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import type { Prisma as PrismaNamespace } from "../../generated/prisma/index.js";
import { personFacts } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";

const PAGE = 1000;

type Tx = PrismaNamespace.TransactionClient;

export const PRINCIPAL_DECEASED = "Principal deceased";

/** An AMO-Tadamon affiliation whose principal died, continued under the surviving spouse. */
export interface ContinuedAffiliation {
  closed: string;
  continuedAs: string;
  principal: string;
}

export const CONTINUED_UNDER_SPOUSE = "Principal deceased: continued under the surviving spouse's affiliation";

/**
 * Ends the open coverages of persons who died, in the caller's transaction: a dependant's own
 * coverage ends ("DECEASED"); a principal's affiliation closes, and its pending notices are
 * cancelled. An AMO-Tadamon affiliation (the household's, paid by the State) goes on under the
 * surviving spouse: a new affiliation of the same household and decision with the spouse as
 * principal, the other dependants moved to it as they were, its pending notices with it; without
 * a surviving spouse (or for a contributory regime, whose survivors' rights are the pension
 * insurer's) every coverage of the affiliation ends. Returns what changed.
 */
export async function endCoverageOfDeceased(
  tx: Tx,
  deceased: readonly string[],
  now: Date,
): Promise<{ coverages: number; closedAffiliations: string[]; continued: ContinuedAffiliation[] }> {
  const dead = new Set(deceased);
  const open = await tx.coverage.findMany({ where: { personIdcs: { in: [...deceased] }, until: null } });
  const closedAffiliations: string[] = [];
  const continued: ContinuedAffiliation[] = [];
  for (const coverage of open) {
    await tx.coverage.updateMany({
      where: { id: coverage.id, until: null },
      data: { until: now, endReason: "DECEASED" },
    });
    if (coverage.role !== "PRINCIPAL") {
      continue;
    }
    closedAffiliations.push(coverage.affiliationId);
    // As it was before it closes: its status carries over to the survivor's.
    const affiliation = await tx.affiliation.findUniqueOrThrow({ where: { id: coverage.affiliationId } });
    await tx.affiliation.update({
      where: { id: affiliation.id },
      data: { status: "CLOSED", statusReason: PRINCIPAL_DECEASED, statusChangedAt: now },
    });
    const survivors = (
      await tx.coverage.findMany({
        where: { affiliationId: affiliation.id, until: null },
        orderBy: [{ since: "asc" }, { personIdcs: "asc" }],
      })
    ).filter((c) => !dead.has(c.personIdcs));
    const spouse =
      affiliation.regime === "AMO_TADAMON" && affiliation.status !== "CLOSED"
        ? survivors.find((c) => c.dependantKind === "SPOUSE")
        : undefined;
    await tx.coverage.updateMany({
      where: { affiliationId: affiliation.id, until: null },
      data: { until: now, endReason: spouse ? CONTINUED_UNDER_SPOUSE : PRINCIPAL_DECEASED },
    });
    if (!spouse) {
      await tx.notice.updateMany({
        where: { affiliationId: affiliation.id, status: "PENDING" },
        data: { status: "CANCELLED", settledAt: now, outcome: "Affiliation closed: principal deceased" },
      });
      continue;
    }
    const id = randomUUID();
    await tx.affiliation.create({
      data: {
        id,
        principalIdcs: spouse.personIdcs,
        regime: affiliation.regime,
        payer: affiliation.payer,
        // As it was: a suspension by notice carries over to the survivor.
        status: affiliation.status,
        statusReason: affiliation.statusReason,
        regionCode: affiliation.regionCode,
        householdId: affiliation.householdId,
        scoreUsed: affiliation.scoreUsed,
        modelVersionUsed: affiliation.modelVersionUsed,
        rightsFrom: affiliation.rightsFrom,
        suspendedByNoticeId: affiliation.suspendedByNoticeId,
        openedAt: now,
        statusChangedAt: now,
      },
    });
    await tx.coverage.createMany({
      data: survivors.map((c) => ({
        id: randomUUID(),
        affiliationId: id,
        personIdcs: c.personIdcs,
        role: c.id === spouse.id ? ("PRINCIPAL" as const) : ("DEPENDANT" as const),
        dependantKind: c.id === spouse.id ? null : c.dependantKind,
        reviewOn: c.id === spouse.id ? null : c.reviewOn,
        since: now,
      })),
    });
    await tx.notice.updateMany({
      where: { affiliationId: affiliation.id, status: "PENDING" },
      data: { affiliationId: id, principalIdcs: spouse.personIdcs },
    });
    continued.push({ closed: affiliation.id, continuedAs: id, principal: spouse.personIdcs });
  }
  return { coverages: open.length, closedAffiliations, continued };
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
