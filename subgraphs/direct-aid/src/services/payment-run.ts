import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import type { Prisma } from "../../generated/prisma/index.js";
import { monthlyEntitlement, type ScheduleRules, scheduleFor } from "../domain/entitlement.js";
import { childrenOf, exclusions, headOf } from "../domain/household-facts.js";
import { householdFacts } from "../registers.js";
import type { AidPrisma } from "../subgraph.js";

const PAGE = 500;

export interface PaymentRunReport {
  month: string;
  issued: number;
  alreadyIssued: number;
  skipped: number;
  amount: number;
}

/**
 * The monthly payment run: every active enrolment, page by page, is re-checked against the
 * registers (one graph request per page), and gets one payment order for the month through its
 * institution — or a recorded reason why not. Orders are keyed by (household, month), so running
 * the same month again issues nothing twice.
 */
export async function runMonthlyPayments(
  prisma: AidPrisma,
  graph: GraphClient,
  schedules: readonly ScheduleRules[],
  month: string,
): Promise<PaymentRunReport> {
  const rules = scheduleFor(schedules, month);
  if (!rules) {
    throw new Error(`No entitlement schedule for ${month}`);
  }
  const report: PaymentRunReport = { month, issued: 0, alreadyIssued: 0, skipped: 0, amount: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await prisma.enrolment.findMany({
      where: { status: "ACTIVE", ...(after ? { householdId: { gt: after } } : {}) },
      orderBy: { householdId: "asc" },
      take: PAGE,
    });
    if (page.length === 0) {
      return report;
    }
    after = page.at(-1)?.householdId;
    const done = new Set(
      (
        await prisma.paymentOrder.findMany({
          where: { month, householdId: { in: page.map((e) => e.householdId) } },
          select: { householdId: true },
        })
      ).map((o) => o.householdId),
    );
    const todo = page.filter((e) => !done.has(e.householdId));
    report.alreadyIssued += done.size;
    const facts = await householdFacts(
      graph,
      todo.map((e) => e.householdId),
    );
    const orders: Prisma.PaymentOrderCreateManyInput[] = [];
    const skips: Prisma.PaymentSkipCreateManyInput[] = [];
    for (const enrolment of todo) {
      const household = facts.get(enrolment.householdId);
      const reasons = household ? exclusions(household, false) : ["The household is no longer in the social register"];
      // The head of household is paid; the social register names one for every household.
      const beneficiary = household ? headOf(household) : undefined;
      if (household && !beneficiary) {
        reasons.push("The social register names no head of household to pay");
      }
      if (!household || !beneficiary || reasons.length > 0) {
        skips.push({ householdId: enrolment.householdId, month, reason: reasons.join("; ") });
        continue;
      }
      const entitlement = monthlyEntitlement(childrenOf(household, month), rules);
      orders.push({
        id: randomUUID(),
        householdId: enrolment.householdId,
        month,
        amount: entitlement.amount,
        components: entitlement.components.map((c) => ({ ...c })),
        children: entitlement.children,
        regionCode: household.regionCode,
        beneficiaryIdcs: beneficiary,
        institution: enrolment.institution,
      });
    }
    await prisma.$transaction(async (tx) => {
      const created = await tx.paymentOrder.createMany({ data: orders, skipDuplicates: true });
      await tx.paymentSkip.createMany({ data: skips, skipDuplicates: true });
      report.issued += created.count;
      report.alreadyIssued += orders.length - created.count;
      // A concurrent run may have issued some of these first; only what this run wrote is counted.
      report.amount += created.count === orders.length ? orders.reduce((sum, o) => sum + o.amount, 0) : 0;
    });
    report.skipped += skips.length;
  }
}
