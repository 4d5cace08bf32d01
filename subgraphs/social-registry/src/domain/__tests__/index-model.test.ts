import type { HouseholdFacts } from "../household-facts.js";
import { computeIndex, type IndexModel, modelVariables, parseIndexModel, selectModel } from "../index-model.js";
import { loadShippedModels } from "../models.js";

const family: HouseholdFacts = {
  regionCode: "06",
  milieu: "URBAN",
  housingType: "SHANTY",
  rooms: 2,
  occupancy: "TENANT",
  waterConnected: true,
  electricityConnected: true,
  // 100 MAD of electricity a month for 4 people: 300 MAD per person per year.
  monthlySpending: { electricity: 10_000, water: 5_000, telephone: 0, gas: 6_000 },
  durableGoods: ["TELEVISION"],
  livestockHeads: 0,
  landHectares: 0,
  members: [
    { age: 40, attainment: "PRIMARY", occupation: "UNEMPLOYED" },
    { age: 36, attainment: "NONE", occupation: "HOMEMAKER" },
    { age: 10, attainment: "PRIMARY", occupation: "CHILD" },
    { age: 7, attainment: "PRIMARY", occupation: "CHILD" },
  ],
};

const tiny: IndexModel = {
  version: "test",
  milieu: "URBAN",
  effectiveFrom: "2024-01-01",
  illustrative: true,
  constant: 9,
  regionEffects: { "06": 0.1 },
  terms: [
    { variable: "household_size", coefficient: -0.1, label: "members" },
    { variable: "log_electricity_per_person", coefficient: 0.05, label: "electricity per person" },
    { variable: "housing_shanty", coefficient: -0.2, label: "shanty" },
  ],
};

describe("the index model", () => {
  it("gives the documented score for a hand-computed household", () => {
    // 9 + 0.1 − 0.1 × 4 + 0.05 × ln(1 + 300) − 0.2 = 8.5 + 0.05 × 5.7071103… = 8.7853555
    const result = computeIndex(family, tiny);
    expect(result.score).toBe("8.7853555");
    expect(result.contributions.map((c) => c.variable)).toEqual([
      "constant",
      "region",
      "household_size",
      "log_electricity_per_person",
      "housing_shanty",
    ]);
    const sum = result.contributions.reduce((s, c) => s + c.contribution, 0);
    expect(Math.abs(sum - result.value)).toBeLessThan(1e-9);
  });

  it("measures the variables per person", () => {
    const v = modelVariables(family);
    expect(v.household_size).toBe(4);
    expect(v.rooms_per_person).toBe(0.5);
    expect(v.share_children_under_15).toBe(0.5);
    expect(v.head_unemployed).toBe(1);
    expect(v.owns_television).toBe(1);
    expect(v.owns_car).toBe(0);
  });

  it("ranks poorer and richer households in the expected order with the shipped v1 models", () => {
    const [urban] = loadShippedModels().filter((m) => m.milieu === "URBAN");
    if (!urban) {
      throw new Error("no urban model shipped");
    }
    const poor = Number(computeIndex(family, urban).score);
    const comfortable = Number(
      computeIndex(
        {
          ...family,
          housingType: "MODERN_APARTMENT",
          rooms: 5,
          occupancy: "OWNER",
          monthlySpending: { electricity: 60_000, water: 20_000, telephone: 40_000, gas: 10_000 },
          durableGoods: ["CAR", "COMPUTER", "AIR_CONDITIONING", "REFRIGERATOR", "WASHING_MACHINE", "TELEVISION"],
          members: [
            { age: 45, attainment: "HIGHER", occupation: "PUBLIC_EMPLOYEE" },
            { age: 43, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE" },
            { age: 16, attainment: "SECONDARY", occupation: "STUDENT" },
          ],
        },
        urban,
      ).score,
    );
    expect(poor).toBeLessThan(9.3264284);
    expect(comfortable).toBeGreaterThan(10.5);
  });

  it("selects the coefficient set in force for the milieu and the day", () => {
    const v2 = { ...tiny, version: "v2", effectiveFrom: "2026-01-01" };
    const rural = { ...tiny, version: "r1", milieu: "RURAL" as const };
    const models = [tiny, v2, rural];
    expect(selectModel(models, "URBAN", new Date("2025-06-01"))?.version).toBe("test");
    expect(selectModel(models, "URBAN", new Date("2026-01-01"))?.version).toBe("v2");
    expect(selectModel(models, "RURAL", new Date("2026-01-01"))?.version).toBe("r1");
    expect(selectModel(models, "URBAN", new Date("2023-01-01"))).toBeUndefined();
  });

  it("refuses a malformed coefficient set, naming the problem", () => {
    expect(() => parseIndexModel({ ...tiny, terms: [{ variable: "shoe_size", coefficient: 1, label: "x" }] })).toThrow(
      /terms\.0\.variable/,
    );
    expect(() => parseIndexModel({ ...tiny, constant: "nine" })).toThrow(/constant/);
  });

  it("ships illustrative urban and rural sets that parse", () => {
    const models = loadShippedModels();
    expect(models.map((m) => [m.version, m.milieu, m.illustrative])).toEqual([
      ["v1", "URBAN", true],
      ["v1", "RURAL", true],
    ]);
    expect(models[1]?.terms.some((t) => t.variable === "livestock_per_person")).toBe(true);
  });
});
