import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import type { Prisma } from "../../generated/prisma/index.js";
import { aidRulesOn } from "../domain/aid-rules.js";
import type { RuleBook } from "../domain/assessment.js";
import { addDays } from "../domain/calendar.js";
import { householdFacts } from "../registers.js";
import type { AidPrisma } from "../subgraph.js";

/** A Prisma interactive-transaction client of this register. */
export type AidTx = Prisma.TransactionClient;

/** How and until when a household may contest a suspension for an index above the threshold. */
export function contestText(effectiveOn: string): string {
  return (
    `Until ${effectiveOn}: ask for a revision of the household's index (at the registration office, ` +
    "or on the RSU platform). While the revision awaits a decision the suspension does not take effect; " +
    "if the index comes back at or below the threshold the notice is cancelled."
  );
}

/**
 * A notice that the household's direct aid will be suspended on `today` + the notice period,
 * unless one is pending already (then null: one notice per suspension).
 */
export async function noticeSuspension(
  tx: AidTx,
  book: RuleBook,
  args: { householdId: string; reason: string; cause: string; causeEventId: string | null; today: string },
): Promise<{ id: string; effectiveOn: string } | null> {
  const enrolment = await tx.enrolment.findUnique({ where: { householdId: args.householdId } });
  if (enrolment?.status !== "ACTIVE") {
    return null;
  }
  const pending = await tx.aidNotice.findFirst({
    where: { householdId: args.householdId, status: "PENDING", kind: "SUSPENSION" },
  });
  if (pending) {
    return null;
  }
  const period = aidRulesOn(book.rules, args.today).noticePeriodDays;
  const effectiveOn = addDays(args.today, period);
  const id = randomUUID();
  await tx.aidNotice.create({
    data: {
      id,
      householdId: enrolment.householdId,
      regionCode: enrolment.regionCode,
      headIdcs: enrolment.headIdcs,
      payeeIdcs: enrolment.payeeIdcs,
      kind: "SUSPENSION",
      reason: args.reason,
      effectiveOn: new Date(`${effectiveOn}T00:00:00Z`),
      contest: contestText(effectiveOn),
      causeEventId: args.causeEventId,
      cause: args.cause,
    },
  });
  return { id, effectiveOn };
}

/**
 * The household is eligible again: its pending notices are cancelled, and an enrolment a notice
 * suspended is active again (paid from the next run). Returns what changed.
 */
export async function eligibilityBack(
  tx: AidTx,
  householdId: string,
  why: string,
): Promise<{ cancelled: string[]; reactivated: boolean }> {
  const pending = await tx.aidNotice.findMany({
    where: { householdId, status: "PENDING", kind: "SUSPENSION" },
    select: { id: true },
  });
  const now = new Date();
  if (pending.length > 0) {
    await tx.aidNotice.updateMany({
      where: { id: { in: pending.map((n) => n.id) }, status: "PENDING" },
      data: { status: "CANCELLED", closedAt: now, outcome: why },
    });
  }
  const lifted = await tx.enrolment.updateMany({
    where: { householdId, status: "SUSPENDED", suspendedByNotice: { not: null } },
    data: { status: "ACTIVE", suspendedByNotice: null, statusReason: why },
  });
  return { cancelled: pending.map((n) => n.id), reactivated: lifted.count > 0 };
}

export interface NoticeJobReport {
  applied: number;
  cancelled: number;
  /** Due, but a revision of the index awaits a decision. */
  waiting: number;
}

const PAGE = 250;

/**
 * Applies the notices due on `today` (YYYY-MM-DD): a suspension takes effect unless the household
 * is eligible again (the notice is cancelled) or a revision of its index awaits a decision (it
 * waits). Run by the register every minute, and callable in tests.
 */
export async function applyDueNotices(prisma: AidPrisma, graph: GraphClient, today: string): Promise<NoticeJobReport> {
  const report: NoticeJobReport = { applied: 0, cancelled: 0, waiting: 0 };
  let after: string | undefined;
  for (;;) {
    const due = await prisma.aidNotice.findMany({
      where: {
        status: "PENDING",
        effectiveOn: { lte: new Date(`${today}T00:00:00Z`) },
        ...(after ? { id: { gt: after } } : {}),
      },
      orderBy: { id: "asc" },
      take: PAGE,
    });
    if (due.length === 0) {
      return report;
    }
    after = due.at(-1)?.id;
    const facts = await householdFacts(graph, [...new Set(due.map((n) => n.householdId))]);
    for (const notice of due) {
      const household = facts.get(notice.householdId);
      const eligible = household?.eligibility.find((e) => e.program === "DIRECT_AID")?.eligible === true;
      if (household?.pendingRevision && !eligible) {
        report.waiting++;
        continue;
      }
      await prisma.$transaction(async (tx) => {
        const now = new Date();
        if (eligible) {
          const closed = await tx.aidNotice.updateMany({
            where: { id: notice.id, status: "PENDING" },
            data: { status: "CANCELLED", closedAt: now, outcome: "The household is eligible again" },
          });
          report.cancelled += closed.count;
          return;
        }
        const applied = await tx.aidNotice.updateMany({
          where: { id: notice.id, status: "PENDING" },
          data: { status: "APPLIED", closedAt: now, outcome: `Applied on ${today}` },
        });
        if (applied.count === 0) {
          return;
        }
        report.applied++;
        await tx.enrolment.updateMany({
          where: { householdId: notice.householdId, status: "ACTIVE" },
          data:
            notice.kind === "CLOSURE"
              ? { status: "ENDED", endedOn: new Date(`${today}T00:00:00Z`), statusReason: notice.reason }
              : { status: "SUSPENDED", suspendedByNotice: notice.id, statusReason: notice.reason },
        });
      });
    }
  }
}
