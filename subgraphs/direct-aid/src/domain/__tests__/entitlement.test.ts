import { type ChildFacts, monthlyEntitlement, SHIPPED_SCHEDULES, scheduleFor } from "../entitlement.js";
import { canRecord } from "../outcomes.js";

const rules2026 = scheduleFor(SHIPPED_SCHEDULES, "2026-03");
const rules2024 = scheduleFor(SHIPPED_SCHEDULES, "2024-03");

function child(rank: number, age: number, extra: Partial<ChildFacts> = {}): ChildFacts {
  return {
    idcs: `c${rank}`,
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
    const e = monthlyEntitlement(children, rules2026);
    expect(e.components.map((c) => c.amount)).toEqual([30_000, 20_000, 30_000, 3_600, 2_400, 3_600]);
    expect(e.amount).toBe(89_600);
    expect(e.children).toBe(6);
  });

  it("follows the year: 200 MAD a child in 2024", () => {
    expect(monthlyEntitlement([child(1, 3), child(2, 7)], rules2024).amount).toBe(50_000);
    expect(monthlyEntitlement([child(1, 3), child(2, 7), child(3, 9)], rules2024).amount).toBe(60_000);
  });

  it("tops up to 500 MAD, and pays 500 MAD to a household without children under 21", () => {
    const one = monthlyEntitlement([child(1, 10)], rules2026);
    expect(one.components).toEqual([
      { reason: "Child 1, aged 6–20, in school", amount: 30_000 },
      { reason: "Top-up to the household minimum", amount: 20_000 },
    ]);
    expect(monthlyEntitlement([child(1, 22)], rules2026)).toEqual({
      amount: 50_000,
      children: 0,
      components: [{ reason: "Household allowance (no child under 21)", amount: 50_000 }],
    });
  });

  it("pays 350 MAD for a fatherless child and 100 MAD more for a disabled child", () => {
    const e = monthlyEntitlement(
      [child(1, 12, { fatherless: true }), child(2, 8, { fatherless: true, disabled: true })],
      rules2026,
    );
    expect(e.components.map((c) => c.amount)).toEqual([35_000, 35_000, 10_000]);
    expect(e.amount).toBe(80_000);
  });

  it("adds the birth grant for the first two births only", () => {
    expect(monthlyEntitlement([child(1, 0, { bornThisMonth: true })], rules2026).components).toContainEqual({
      reason: "Birth grant (birth 1)",
      amount: 200_000,
    });
    expect(
      monthlyEntitlement([child(1, 5), child(2, 0, { bornThisMonth: true })], rules2026).components,
    ).toContainEqual({
      reason: "Birth grant (birth 2)",
      amount: 100_000,
    });
    const third = monthlyEntitlement([child(1, 5), child(2, 3), child(3, 0, { bornThisMonth: true })], rules2026);
    expect(third.components.some((c) => c.reason.startsWith("Birth grant"))).toBe(false);
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
