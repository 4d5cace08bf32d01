import type { GeneratedPerson } from "@spx/reference/demo/demo-population";
import { SeededRandom } from "@spx/reference/random";
import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/reference/thresholds";
import { demoRowId, type ScoredDemoHousehold, scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import type { Prisma } from "../../generated/prisma/index.js";
import { SHIPPED_AID_RULES } from "../domain/aid-rules.js";
import { assess, type RuleBook } from "../domain/assessment.js";
import { currentMonth, SHIPPED_SCHEDULES } from "../domain/entitlement.js";
import { type AidHouseholdFacts, type AidPerson, exclusions, headOf } from "../domain/household-facts.js";
import { INSTITUTIONS } from "../schema/aid.js";
import type { AidPrisma } from "../subgraph.js";

const SEED_LOCK = 72707373;
const SHIPPED: RuleBook = { schedules: SHIPPED_SCHEDULES, rules: SHIPPED_AID_RULES };
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

const iso = (d: Date) => d.toISOString().slice(0, 10);

function lastDayOf(month: string): string {
  const [year = 1970, mon = 1] = month.split("-").map(Number);
  return iso(new Date(Date.UTC(year, mon, 0)));
}

/**
 * The facts a payment run would get from the graph for a demo household on `day` (YYYY-MM-DD),
 * from the demo family's civil status, as the population register computes them (ASD_PERSON_FACTS):
 * fatherless when the father by filiation has died, disabled when a disability is in force, the
 * birth rank among all the mother's children (deceased included; same day by IDCS), the mother and
 * father, marriages, custody and kafala as the child; a death recorded by `day` counts as the
 * register records it (the rules stop it from the month after).
 */
export function demoAidFacts(household: ScoredDemoHousehold, day: string): AidHouseholdFacts {
  const family = household.family;
  const civil = family.civil;
  const persons = new Map<string, GeneratedPerson>();
  for (const p of [
    ...family.members.map((m) => m.person),
    ...family.deceased,
    ...(civil?.relatives ?? []),
    ...(civil?.newMembers.map((m) => m.person) ?? []),
  ]) {
    persons.set(p.idcs, p);
  }
  const diedBy = (p: GeneratedPerson | undefined) =>
    p !== undefined && (p.dateOfDeath ? iso(p.dateOfDeath) <= day : p.lifeStatus === "DECEASED");
  const filiation = new Map((civil?.filiations ?? []).map((f) => [f.childIdcs, f]));
  const childrenOfMother = new Map<string, GeneratedPerson[]>();
  for (const f of civil?.filiations ?? []) {
    const child = persons.get(f.childIdcs);
    if (f.motherIdcs && child) {
      childrenOfMother.set(f.motherIdcs, [...(childrenOfMother.get(f.motherIdcs) ?? []), child]);
    }
  }
  for (const children of childrenOfMother.values()) {
    children.sort((a, b) => a.birthDate.getTime() - b.birthDate.getTime() || (a.idcs < b.idcs ? -1 : 1));
  }
  const civilFacts = (idcs: string): Omit<AidPerson, "idcs" | "birthDate" | "sex" | "lifeStatus"> => {
    const f = filiation.get(idcs);
    const father = f?.fatherIdcs ? persons.get(f.fatherIdcs) : undefined;
    const rank = f?.motherIdcs ? (childrenOfMother.get(f.motherIdcs) ?? []).findIndex((c) => c.idcs === idcs) + 1 : 0;
    const disability = civil?.disabilities.find((d) => d.idcs === idcs);
    const marriages = (civil?.marriages ?? []).filter((m) => m.husbandIdcs === idcs || m.wifeIdcs === idcs);
    const valid = marriages.filter((m) => m.endReason !== "ANNULMENT");
    const last = [...valid].sort((a, b) => (a.endedOn?.getTime() ?? 0) - (b.endedOn?.getTime() ?? 0)).at(-1);
    return {
      fatherless: f?.fatherIdcs && father ? diedBy(father) : null,
      disabled:
        disability !== undefined &&
        iso(disability.certifiedOn) <= day &&
        (disability.reviewOn === null || day <= iso(disability.reviewOn)),
      birthRank: rank > 0 ? rank : null,
      mother: f?.motherIdcs ? { idcs: f.motherIdcs } : null,
      father: f?.fatherIdcs ? { idcs: f.fatherIdcs } : null,
      maritalStatus: valid.some((m) => m.endedOn === null)
        ? "MARRIED"
        : !last
          ? "SINGLE"
          : last.endReason === "DEATH"
            ? "WIDOWED"
            : "DIVORCED",
      marriages: marriages.map((m) => ({
        spouse: { idcs: m.husbandIdcs === idcs ? m.wifeIdcs : m.husbandIdcs },
        since: iso(m.since),
        endedOn: m.endedOn ? iso(m.endedOn) : null,
      })),
      inCareOf: (civil?.guardianships ?? [])
        .filter((g) => g.childIdcs === idcs)
        .map((g) => ({
          kind: g.kind,
          guardian: { idcs: g.guardianIdcs },
          since: iso(g.since),
          until: g.until ? iso(g.until) : null,
        })),
    };
  };
  return {
    id: household.id,
    regionCode: household.regionCode,
    eligibility: [
      { program: "DIRECT_AID", eligible: isEligible(household.score, DIRECT_AID), scoreUsed: household.score },
    ],
    members: household.members.map((m) => {
      const p = persons.get(m.idcs);
      const dead = diedBy(p);
      return {
        relationship: m.relationship,
        person: {
          idcs: m.idcs,
          birthDate: iso(m.birthDate),
          sex: p?.sex ?? "MALE",
          lifeStatus: dead ? "DECEASED" : "ALIVE",
          dateOfDeath: dead && p?.dateOfDeath ? iso(p.dateOfDeath) : null,
          ...civilFacts(m.idcs),
        },
      };
    }),
    declaration: { members: household.declaration.members.map((m) => ({ ...m })) },
  };
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
  const facts = demoAidFacts(household, now.toISOString().slice(0, 10));
  const head = headOf(facts);
  if (!head || exclusions(facts, false).length > 0 || !r.chance(0.85)) {
    return null;
  }
  const institution = r.pick(INSTITUTIONS);
  const since = new Date(Date.UTC(Number(months[0]?.slice(0, 4)), Number(months[0]?.slice(5, 7)) - 2, 20));
  const day = now.toISOString().slice(0, 10);
  const current = assess(facts, currentMonth(now), SHIPPED, day);
  if (!current) {
    return null;
  }
  const orders: Prisma.PaymentOrderCreateManyInput[] = [];
  months.forEach((month, i) => {
    // The facts as a payment run of that month saw them: deaths, disabilities, care on its last day.
    const asOf = [lastDayOf(month), day].sort()[0] ?? day;
    const assessment = assess(demoAidFacts(household, asOf), month, SHIPPED, asOf);
    if (!assessment) {
      return;
    }
    const due = assessment.entitlement;
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
      beneficiaryIdcs: assessment.payee?.idcs ?? head,
      beneficiaryBasis: assessment.payee?.basis ?? "HEAD",
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
      entitlement: current.entitlement.amount,
      entitlementComponents: current.entitlement.components.map((c) => ({ ...c })),
      children: current.entitlement.children,
      payeeIdcs: current.payee?.idcs ?? head,
      payeeBasis: current.payee?.basis ?? "HEAD",
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
