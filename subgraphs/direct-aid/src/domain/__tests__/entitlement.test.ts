import { aidRulesOfMonth, SHIPPED_AID_RULES } from "../aid-rules.js";
import { type ChildFacts, monthlyEntitlement, SHIPPED_SCHEDULES, scheduleFor } from "../entitlement.js";
import { canRecord } from "../outcomes.js";

const rules2026 = scheduleFor(SHIPPED_SCHEDULES, "2026-03");
const rules2024 = scheduleFor(SHIPPED_SCHEDULES, "2024-03");
const aid = aidRulesOfMonth(SHIPPED_AID_RULES, "2026-03");

/** A child of `age`, the `rank`-th born (1 eldest). */
function child(rank: number, age: number, extra: Partial<ChildFacts> = {}): ChildFacts {
  return {
    idcs: `c${rank}`,
    // The household ranks by birth date: the rank given is the birth order.
    birthDate: `${2000 + rank}-01-01`,
    age,
    inSchool: age >= 6,
    disabled: false,
    fatherless: false,
    bornThisMonth: false,
    birthRank: rank,
    ...extra,
  };
}

describe("entitlement schedules", () => {
  it("picks the year's rules, or the latest before it", () => {
    expect(scheduleFor(SHIPPED_SCHEDULES, "2025-07")?.firstThree.young).toBe(25_000);
    expect(scheduleFor(SHIPPED_SCHEDULES, "2027-01")?.year).toBe(2026);
    expect(scheduleFor(SHIPPED_SCHEDULES, "2022-12")).toBeUndefined();
  });
});

describe("monthly entitlement", () => {
  if (!rules2026 || !rules2024) {
    throw new Error("shipped schedules missing");
  }

  it("pays ranks 1–3 by age and schooling, ranks 4–6 the small amounts, at most six children", () => {
    const children = [
      child(1, 16),
      child(2, 12, { inSchool: false }),
      child(3, 4),
      child(4, 9),
      child(5, 8, { inSchool: false }),
      child(6, 2),
      child(7, 1),
    ];
    const e = monthlyEntitlement(children, rules2026, aid);
    expect(e.components.map((c) => c.amount)).toEqual([30_000, 20_000, 30_000, 3_600, 2_400, 3_600]);
    expect(e.amount).toBe(89_600);
    expect(e.children).toBe(6);
    expect(e.counted).toEqual(["c1", "c2", "c3", "c4", "c5", "c6"]);
  });

  it("follows the year: 200 MAD a child in 2024", () => {
    expect(monthlyEntitlement([child(1, 3), child(2, 7)], rules2024, aid).amount).toBe(50_000);
    expect(monthlyEntitlement([child(1, 3), child(2, 7), child(3, 9)], rules2024, aid).amount).toBe(60_000);
  });

  it("tops up to 500 MAD, and pays 500 MAD to a household without children under 21", () => {
    const one = monthlyEntitlement([child(1, 10)], rules2026, aid);
    expect(one.components).toEqual([
      { reason: "Child 1, aged 6–20, in school", amount: 30_000 },
      { reason: "Top-up to the household minimum", amount: 20_000 },
    ]);
    expect(monthlyEntitlement([child(1, 21)], rules2026, aid)).toEqual({
      amount: 50_000,
      children: 0,
      counted: [],
      components: [{ reason: "Household allowance (no child under 21)", amount: 50_000 }],
    });
    // 20 is the last age counted.
    expect(monthlyEntitlement([child(1, 20)], rules2026, aid).children).toBe(1);
  });

  it("pays 350 MAD for a fatherless child under 6 or in school or training, the ordinary amount otherwise", () => {
    const e = monthlyEntitlement(
      [
        child(1, 12, { fatherless: true }),
        child(2, 5, { fatherless: true, inSchool: false }),
        child(3, 6, { fatherless: true, inSchool: false }),
      ],
      rules2026,
      aid,
    );
    expect(e.components).toEqual([
      { reason: "Child 1 without a father", amount: 35_000 },
      { reason: "Child 2 without a father", amount: 35_000 },
      { reason: "Child 3, aged 6–20, not in school", amount: 20_000 },
    ]);
  });

  it("adds 100 MAD for a disabled child, and counts a disabled fatherless child at any age", () => {
    const disabled = monthlyEntitlement([child(1, 8, { disabled: true })], rules2026, aid);
    expect(disabled.components.slice(0, 2)).toEqual([
      { reason: "Child 1, aged 6–20, in school", amount: 30_000 },
      { reason: "Child 1: disability supplement", amount: 10_000 },
    ]);
    // 34, disabled, father deceased: counted, the orphan amount with no schooling condition.
    const orphan = monthlyEntitlement(
      [child(1, 34, { disabled: true, fatherless: true, inSchool: false })],
      rules2026,
      aid,
    );
    expect(orphan).toMatchObject({
      amount: 50_000,
      children: 1,
      components: [
        { reason: "Child 1 without a father", amount: 35_000 },
        { reason: "Child 1: disability supplement", amount: 10_000 },
        { reason: "Top-up to the household minimum", amount: 5_000 },
      ],
    });
    // Disabled, father alive, over 20: not counted (the age limit stands).
    expect(monthlyEntitlement([child(1, 21, { disabled: true })], rules2026, aid).children).toBe(0);
    // Fatherless, not disabled, over 20: not counted.
    expect(monthlyEntitlement([child(1, 21, { fatherless: true })], rules2026, aid).children).toBe(0);
    // The rule is data: without it the age limit applies to everyone.
    expect(
      monthlyEntitlement([child(1, 34, { disabled: true, fatherless: true })], rules2026, {
        ...aid,
        disabledOrphanWithoutAgeLimit: false,
      }).children,
    ).toBe(0);
  });

  it("adds the birth grant for the first two births of the mother only, deceased children counted", () => {
    expect(monthlyEntitlement([child(1, 0, { bornThisMonth: true })], rules2026, aid).components).toContainEqual({
      reason: "Birth grant (birth 1)",
      amount: 200_000,
    });
    expect(
      monthlyEntitlement([child(1, 5), child(2, 0, { bornThisMonth: true })], rules2026, aid).components,
    ).toContainEqual({ reason: "Birth grant (birth 2)", amount: 100_000 });
    const third = monthlyEntitlement([child(1, 5), child(2, 3), child(3, 0, { bornThisMonth: true })], rules2026, aid);
    expect(third.components.some((c) => c.reason.startsWith("Birth grant"))).toBe(false);
    // The elder child died: one living elder sibling in the household, but this is the mother's third birth.
    const afterDeath = monthlyEntitlement(
      [child(1, 5), child(2, 0, { bornThisMonth: true, birthRank: 3 })],
      rules2026,
      aid,
    );
    expect(afterDeath.components.some((c) => c.reason.startsWith("Birth grant"))).toBe(false);
    // No mother recorded: the rank among the household's children stands in.
    const unknownMother = monthlyEntitlement(
      [child(1, 5, { birthRank: null }), child(2, 0, { bornThisMonth: true, birthRank: null })],
      rules2026,
      aid,
    );
    expect(unknownMother.components).toContainEqual({ reason: "Birth grant (birth 2)", amount: 100_000 });
  });
});

describe("payment outcomes", () => {
  it("allows ISSUED → PAID or FAILED and PAID → RETURNED, nothing else", () => {
    expect(canRecord("ISSUED", "PAID")).toBe(true);
    expect(canRecord("ISSUED", "FAILED")).toBe(true);
    expect(canRecord("PAID", "RETURNED")).toBe(true);
    expect(canRecord("PAID", "FAILED")).toBe(false);
    expect(canRecord("FAILED", "PAID")).toBe(false);
    expect(canRecord("RETURNED", "PAID")).toBe(false);
  });
});
