import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import type { Enrolment, Prisma } from "../../generated/prisma/index.js";
import { aidRulesOfMonth } from "../domain/aid-rules.js";
import { assess, type RuleBook } from "../domain/assessment.js";
import { addMonths, monthsBetween } from "../domain/calendar.js";
import { type Component, scheduleFor } from "../domain/entitlement.js";
import { type AidHouseholdFacts, anyoneCounts, exclusions } from "../domain/household-facts.js";
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

/** The arrears months of an enrolment reinstated on appeal, still unpaid before `month`. */
interface Arrears {
  appealId: string;
  months: string[];
}

/** Months an order or an arrears payment already covers, per household. */
async function coveredMonths(
  prisma: AidPrisma,
  households: readonly string[],
  months: readonly string[],
): Promise<Map<string, Set<string>>> {
  const covered = new Map<string, Set<string>>();
  if (households.length === 0 || months.length === 0) {
    return covered;
  }
  const where = { householdId: { in: [...households] }, month: { in: [...months] } };
  const [orders, arrears] = await Promise.all([
    prisma.paymentOrder.findMany({ where, select: { householdId: true, month: true } }),
    prisma.arrearsPayment.findMany({ where, select: { householdId: true, month: true } }),
  ]);
  for (const row of [...orders, ...arrears]) {
    const set = covered.get(row.householdId) ?? new Set<string>();
    set.add(row.month);
    covered.set(row.householdId, set);
  }
  return covered;
}

async function arrearsOf(prisma: AidPrisma, enrolments: readonly Enrolment[], month: string) {
  const owed = enrolments.filter((e) => e.arrearsFrom && e.arrearsAppealId && e.arrearsFrom < month);
  const first = owed.map((e) => e.arrearsFrom as string).sort()[0];
  const result = new Map<string, Arrears>();
  if (!first) {
    return result;
  }
  const covered = await coveredMonths(
    prisma,
    owed.map((e) => e.householdId),
    monthsBetween(first, addMonths(month, -1)),
  );
  for (const e of owed) {
    const done = covered.get(e.householdId) ?? new Set<string>();
    const months = monthsBetween(e.arrearsFrom as string, addMonths(month, -1)).filter((m) => !done.has(m));
    result.set(e.householdId, { appealId: e.arrearsAppealId as string, months });
  }
  return result;
}

/** Why a suspended enrolment is not paid: the notice that suspended it. */
async function suspensionReasons(prisma: AidPrisma, enrolments: readonly Enrolment[]): Promise<Map<string, string>> {
  const ids = enrolments.flatMap((e) => (e.suspendedByNotice ? [e.suspendedByNotice] : []));
  const notices = ids.length
    ? await prisma.aidNotice.findMany({ where: { id: { in: ids } }, select: { id: true, reason: true } })
    : [];
  const byId = new Map(notices.map((n) => [n.id, n.reason]));
  return new Map(
    enrolments.map((e) => [
      e.householdId,
      e.suspendedByNotice
        ? `Suspended after notice ${e.suspendedByNotice}: ${byId.get(e.suspendedByNotice) ?? "see the notice"}`
        : `Suspended: ${e.statusReason ?? "no reason recorded"}`,
    ]),
  );
}

/**
 * The monthly payment run: every active enrolment, page by page, is re-checked against the
 * registers (one graph request per page), and gets one payment order for the month through its
 * institution — or a recorded reason why not (a suspended enrolment: its notice). Orders are
 * keyed by (household, month), so running the same month again issues nothing twice; arrears owed
 * after an accepted appeal ride on the month's order, each month once (arrears_payment's key).
 */
export async function runMonthlyPayments(
  prisma: AidPrisma,
  graph: GraphClient,
  book: RuleBook,
  month: string,
  day: string = new Date().toISOString().slice(0, 10),
): Promise<PaymentRunReport> {
  if (!scheduleFor(book.schedules, month)) {
    throw new Error(`No entitlement schedule for ${month}`);
  }
  const rules = aidRulesOfMonth(book.rules, month);
  const report: PaymentRunReport = { month, issued: 0, alreadyIssued: 0, skipped: 0, amount: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await prisma.enrolment.findMany({
      where: { status: { in: ["ACTIVE", "SUSPENDED"] }, ...(after ? { householdId: { gt: after } } : {}) },
      orderBy: { householdId: "asc" },
      take: PAGE,
    });
    if (page.length === 0) {
      return report;
    }
    after = page.at(-1)?.householdId;
    // A month already paid, by its own order or as arrears on a later one, is not paid again.
    const covered = await coveredMonths(
      prisma,
      page.map((e) => e.householdId),
      [month],
    );
    const done = new Set(covered.keys());
    report.alreadyIssued += done.size;
    const open = page.filter((e) => !done.has(e.householdId));
    const suspended = open.filter((e) => e.status === "SUSPENDED");
    const todo = open.filter((e) => e.status === "ACTIVE");
    const skips: Prisma.PaymentSkipCreateManyInput[] = [];
    for (const [householdId, reason] of await suspensionReasons(prisma, suspended)) {
      skips.push({ householdId, month, reason });
    }
    const facts = await householdFacts(
      graph,
      todo.map((e) => e.householdId),
    );
    const arrears = await arrearsOf(prisma, todo, month);
    const orders: Prisma.PaymentOrderCreateManyInput[] = [];
    const arrearsRows: Prisma.ArrearsPaymentCreateManyInput[] = [];
    for (const enrolment of todo) {
      const household: AidHouseholdFacts | undefined = facts.get(enrolment.householdId);
      const reasons = household ? exclusions(household, false) : ["The household is no longer in the social register"];
      if (household && !anyoneCounts(household, month, rules)) {
        reasons.push("No member of the household is alive");
      }
      const due = household ? assess(household, month, book, day) : undefined;
      if (household && due && !due.payee) {
        reasons.push("Nobody living in the household can be paid");
      }
      if (!household || !due?.payee || reasons.length > 0) {
        skips.push({ householdId: enrolment.householdId, month, reason: reasons.join("; ") });
        continue;
      }
      const id = randomUUID();
      const components: Component[] = due.entitlement.components.map((c) => ({ ...c }));
      const owed = arrears.get(enrolment.householdId);
      for (const arrearsMonth of owed?.months ?? []) {
        const past = assess(household, arrearsMonth, book, day);
        if (!past || !owed) {
          continue;
        }
        components.push({
          reason: `Arrears for ${arrearsMonth} (appeal ${owed.appealId})`,
          amount: past.entitlement.amount,
        });
        arrearsRows.push({
          householdId: enrolment.householdId,
          month: arrearsMonth,
          appealId: owed.appealId,
          orderId: id,
          amount: past.entitlement.amount,
        });
      }
      orders.push({
        id,
        householdId: enrolment.householdId,
        month,
        amount: components.reduce((sum, c) => sum + c.amount, 0),
        components: components.map((c) => ({ ...c })),
        children: due.entitlement.children,
        regionCode: household.regionCode,
        beneficiaryIdcs: due.payee.idcs,
        beneficiaryBasis: due.payee.basis,
        institution: enrolment.institution,
      });
    }
    await prisma.$transaction(async (tx) => {
      const created = await tx.paymentOrder.createMany({ data: orders, skipDuplicates: true });
      await tx.paymentSkip.createMany({ data: skips, skipDuplicates: true });
      // Only the orders this run wrote carry their arrears: a concurrent run's order carries its own.
      const mine = new Set(
        created.count === orders.length
          ? orders.map((o) => o.id)
          : (
              await tx.paymentOrder.findMany({
                where: { id: { in: orders.map((o) => o.id as string) } },
                select: { id: true },
              })
            ).map((o) => o.id),
      );
      const paidArrears = arrearsRows.filter((a) => mine.has(a.orderId));
      if (paidArrears.length > 0) {
        // No skipDuplicates: a month paid twice must fail the whole page, to be run again.
        await tx.arrearsPayment.createMany({ data: paidArrears });
        await tx.enrolment.updateMany({
          where: { householdId: { in: [...new Set(paidArrears.map((a) => a.householdId))] } },
          data: { arrearsFrom: null, arrearsAppealId: null },
        });
      }
      report.issued += mine.size;
      report.alreadyIssued += orders.length - mine.size;
      report.amount += orders.filter((o) => mine.has(o.id as string)).reduce((sum, o) => sum + o.amount, 0);
    });
    report.skipped += skips.length;
  }
}
