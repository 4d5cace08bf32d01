import { DEMO_STORIES } from "@spx/reference/demo/demo-civil-status";
import { type ScoredDemoHousehold, scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import { SHIPPED_AID_RULES } from "../domain/aid-rules.js";
import { type Assessment, assess } from "../domain/assessment.js";
import { currentMonth, SHIPPED_SCHEDULES } from "../domain/entitlement.js";
import { aidRows, demoAidFacts, paidMonths } from "../seed/seed-demo.js";

// The demo's payment orders computed from the demo families' civil status (issue 19).
const now = new Date();
const day = now.toISOString().slice(0, 10);
const month = currentMonth(now);
const book = { schedules: SHIPPED_SCHEDULES, rules: SHIPPED_AID_RULES };
const households = new Map<number, ScoredDemoHousehold>();

beforeAll(() => {
  const wanted = new Set(Object.values(DEMO_STORIES).map((s) => s.family));
  for (const household of scoredDemoHouseholds({ today: now })) {
    if (wanted.has(household.family.number)) {
      households.set(household.family.number, household);
    }
    if (households.size === wanted.size) {
      break;
    }
  }
});

function story(name: keyof typeof DEMO_STORIES): {
  household: ScoredDemoHousehold;
  assessment: Assessment;
  /** The components of the demo's order of the current month (the household is enrolled). */
  order: string[];
} {
  const household = households.get(DEMO_STORIES[name].family);
  if (!household) {
    throw new Error(`No demo household for ${name}`);
  }
  const assessment = assess(demoAidFacts(household, day), month, book, day);
  if (!assessment) {
    throw new Error(`No schedule for ${month}`);
  }
  const rows = aidRows(household, now, [...paidMonths(now), month]);
  const order = rows?.orders.find((o) => o.month === month);
  const components = (order?.components ?? []) as { reason: string }[];
  return { household, assessment, order: components.map((c) => c.reason) };
}

const reasons = (a: Assessment) => a.entitlement.components.map((c) => c.reason);

test("the widow's children are paid the fatherless-child amount", () => {
  const { household, order } = story("WIDOW");
  expect(household.headIdcs).toBe(DEMO_STORIES.WIDOW.idcs);
  expect(order.some((r) => r.endsWith("without a father"))).toBe(true);
});

test("the disabled child's household gets the disability supplement", () => {
  const { household, assessment, order } = story("DISABLED_CHILD");
  expect(household.members.map((m) => m.idcs)).toContain(DEMO_STORIES.DISABLED_CHILD.idcs);
  expect(assessment.entitlement.counted).toContain(DEMO_STORIES.DISABLED_CHILD.idcs);
  expect(order.some((r) => r.endsWith("disability supplement"))).toBe(true);
});

test("the divorced mother's children get the ordinary amounts, not the fatherless one", () => {
  const { assessment, order } = story("DIVORCED_MOTHER");
  expect(assessment.entitlement.children).toBeGreaterThan(0);
  expect(assessment.payee).toEqual({ idcs: DEMO_STORIES.DIVORCED_MOTHER.idcs, basis: "MOTHER" });
  expect(order.some((r) => r.endsWith("without a father"))).toBe(false);
  expect(order.some((r) => /aged (0–5|6–20)/.test(r))).toBe(true);
});

test("the orphans in kafala are counted in the grandmother's household", () => {
  const { household, assessment, order } = story("ORPHANS_IN_KAFALA");
  const orphan = DEMO_STORIES.ORPHANS_IN_KAFALA.idcs;
  expect(household.members.find((m) => m.idcs === orphan)?.relationship).not.toBe("CHILD");
  expect(assessment.entitlement.counted).toContain(orphan);
  expect(assessment.payee).toEqual({ idcs: household.headIdcs, basis: "KAFALA" });
  expect(order.some((r) => r.endsWith("without a father"))).toBe(true);
});

// Not enrolled in the demo (its index is above the threshold): the rules' answer for it.
test("the disabled orphan over 20 is counted, with the supplement", () => {
  const { assessment } = story("DISABLED_ORPHAN_OVER_20");
  expect(assessment.entitlement.counted).toContain(DEMO_STORIES.DISABLED_ORPHAN_OVER_20.idcs);
  expect(reasons(assessment).some((r) => r.endsWith("disability supplement"))).toBe(true);
});

test("the demo's enrolments and orders are what the rules compute from the civil facts", () => {
  const months = paidMonths(now);
  for (const household of households.values()) {
    const rows = aidRows(household, now, months);
    if (!rows) {
      continue;
    }
    const current = assess(demoAidFacts(household, day), month, book, day);
    expect(rows.enrolment.entitlement).toBe(current?.entitlement.amount);
    expect(rows.enrolment.payeeIdcs).toBe(current?.payee?.idcs);
    for (const order of rows.orders) {
      const end = new Date(Date.UTC(Number(order.month.slice(0, 4)), Number(order.month.slice(5, 7)), 0));
      const asOf = [end.toISOString().slice(0, 10), day].sort()[0] ?? day;
      const due = assess(demoAidFacts(household, asOf), order.month, book, asOf);
      expect(order.amount).toBe(due?.entitlement.amount);
    }
  }
});
