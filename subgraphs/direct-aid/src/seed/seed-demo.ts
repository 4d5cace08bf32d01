import { SeededRandom } from "@spx/reference/random";
import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/reference/thresholds";
import { demoRowId, type ScoredDemoHousehold, scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import type { Prisma } from "../../generated/prisma/index.js";
import { currentMonth, monthlyEntitlement, SHIPPED_SCHEDULES, scheduleFor } from "../domain/entitlement.js";
import { type AidHouseholdFacts, childrenOf, exclusions, headOf } from "../domain/household-facts.js";
import { INSTITUTIONS } from "../schema/aid.js";
import type { AidPrisma } from "../subgraph.js";

const SEED_LOCK = 72707373;
const DIRECT_AID = SHIPPED_THRESHOLDS.find((t) => t.program === "DIRECT_AID") as ThresholdRule;
/** Months of payment orders per enrolled household, the current one included. */
export const DEMO_PAID_MONTHS = 12;

function monthsBefore(month: string, count: number): string[] {
  const [year = 1970, mon = 1] = month.split("-").map(Number);
  return Array.from({ length: count }, (_v, i) => {
    const d = new Date(Date.UTC(year, mon - 1 - (count - i), 1));
    return d.toISOString().slice(0, 7);
  });
}

// Row id kinds in the generated data (see demoRowId): the application, then one order per month.
const APPLICATION = 0x20;
const PAYMENT_ORDER = 0x21;

export interface AidRows {
  enrolment: Prisma.EnrolmentCreateManyInput;
  application: Prisma.ApplicationCreateManyInput;
  orders: Prisma.PaymentOrderCreateManyInput[];
}

/**
 * The direct-aid record of one generated household, or null when it has none: most households at
 * or below the direct-aid threshold with no exclusion are enrolled, with payment orders for the
 * `months` given (mostly paid, a few failed, the last one issued). Used by the demo seed and the
 * national generator alike.
 */
export function aidRows(household: ScoredDemoHousehold, now: Date, months: readonly string[]): AidRows | null {
  const n = household.family.number;
  const r = new SeededRandom(Math.imul(n, 69_069) ^ 0xa1d);
  const sexes = new Map(household.family.members.map((m) => [m.person.idcs, m.person.sex]));
  const facts: AidHouseholdFacts = {
    id: household.id,
    regionCode: household.regionCode,
    eligibility: [
      { program: "DIRECT_AID", eligible: isEligible(household.score, DIRECT_AID), scoreUsed: household.score },
    ],
    members: household.members.map((m) => ({
      relationship: m.relationship,
      person: {
        idcs: m.idcs,
        birthDate: m.birthDate.toISOString().slice(0, 10),
        sex: sexes.get(m.idcs) ?? "MALE",
        lifeStatus: "ALIVE",
      },
    })),
    declaration: { members: household.declaration.members.map((m) => ({ ...m })) },
  };
  const head = headOf(facts);
  if (!head || exclusions(facts, false).length > 0 || !r.chance(0.85)) {
    return null;
  }
  const institution = r.pick(INSTITUTIONS);
  const since = new Date(Date.UTC(Number(months[0]?.slice(0, 4)), Number(months[0]?.slice(5, 7)) - 2, 20));
  const rulesNow = scheduleFor(SHIPPED_SCHEDULES, currentMonth(now));
  if (!rulesNow) {
    return null;
  }
  const current = monthlyEntitlement(childrenOf(facts, currentMonth(now)), rulesNow);
  const orders: Prisma.PaymentOrderCreateManyInput[] = [];
  months.forEach((month, i) => {
    const rules = scheduleFor(SHIPPED_SCHEDULES, month);
    if (!rules) {
      return;
    }
    const due = monthlyEntitlement(childrenOf(facts, month), rules);
    const last = i === months.length - 1;
    const failed = !last && r.chance(0.03);
    orders.push({
      id: demoRowId(PAYMENT_ORDER, n, i),
      householdId: household.id,
      month,
      amount: due.amount,
      components: due.components.map((c) => ({ ...c })),
      children: due.children,
      regionCode: household.regionCode,
      beneficiaryIdcs: head,
      institution,
      status: last ? "ISSUED" : failed ? "FAILED" : "PAID",
      reference: last ? null : `${institution}-${month}-${n}`,
      issuedAt: new Date(`${month}-25T09:00:00Z`),
      outcomeAt: last ? null : new Date(`${month}-28T12:00:00Z`),
    });
  });
  return {
    enrolment: {
      householdId: household.id,
      status: "ACTIVE",
      regionCode: household.regionCode,
      headIdcs: head,
      institution,
      since,
      entitlement: current.amount,
      entitlementComponents: current.components.map((c) => ({ ...c })),
      children: current.children,
    },
    application: {
      id: demoRowId(APPLICATION, n),
      householdId: household.id,
      regionCode: household.regionCode,
      headIdcs: head,
      status: "ACCEPTED",
      reasons: ["Index at or below the threshold; no exclusion applies"],
      scoreUsed: household.score,
      otherFamilyAllowance: false,
      decidedAt: since,
      appealDeadline: new Date(since.getTime() + 15 * 86_400_000),
    },
    orders,
  };
}

/** The months before `now`'s, oldest first, that generated households have payment orders for. */
export function paidMonths(now: Date, count = DEMO_PAID_MONTHS): string[] {
  return monthsBefore(currentMonth(now), count);
}

/** Loads the demo enrolments (see aidRows) into an empty register, in one transaction. */
export async function seedDemoIfEmpty(prisma: AidPrisma, options: { persons?: number } = {}): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", SEED_LOCK);
      if ((await tx.enrolment.findFirst({ select: { householdId: true } })) !== null) {
        return 0;
      }
      const now = new Date();
      const months = paidMonths(now);
      const enrolments: Prisma.EnrolmentCreateManyInput[] = [];
      const applications: Prisma.ApplicationCreateManyInput[] = [];
      const orders: Prisma.PaymentOrderCreateManyInput[] = [];
      for (const household of scoredDemoHouseholds({ ...options, today: now })) {
        const rows = aidRows(household, now, months);
        if (rows) {
          enrolments.push(rows.enrolment);
          applications.push(rows.application);
          orders.push(...rows.orders);
        }
      }
      await tx.enrolment.createMany({ data: enrolments });
      await tx.application.createMany({ data: applications });
      for (let i = 0; i < orders.length; i += 500) {
        await tx.paymentOrder.createMany({ data: orders.slice(i, i + 500) });
      }
      return enrolments.length;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
