import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule, thresholdOn } from "@spx/reference/thresholds";
import { explainEligibility } from "../explanation.js";

const tadamon = SHIPPED_THRESHOLDS.find((t) => t.program === "AMO_TADAMON") as ThresholdRule;
const achamil = SHIPPED_THRESHOLDS.find((t) => t.program === "AMO_ACHAMIL") as ThresholdRule;

describe("thresholds", () => {
  it("are eligible at the threshold exactly, not a ten-millionth above", () => {
    expect(isEligible("9.3264284", tadamon)).toBe(true);
    expect(isEligible("9.3264283", tadamon)).toBe(true);
    expect(isEligible("9.3264285", tadamon)).toBe(false);
    expect(isEligible("9.3264284", achamil)).toBe(false);
    expect(isEligible("9.3264285", achamil)).toBe(true);
  });

  it("apply the rule in force on the day", () => {
    const rules: ThresholdRule[] = [
      { program: "DIRECT_AID", threshold: "9.7430010", effectiveFrom: "2023-12-01", comparison: "AT_OR_BELOW" },
      { program: "DIRECT_AID", threshold: "9.8000000", effectiveFrom: "2027-01-01", comparison: "AT_OR_BELOW" },
    ];
    expect(thresholdOn(rules, "DIRECT_AID", new Date("2023-11-30"))).toBeUndefined();
    expect(thresholdOn(rules, "DIRECT_AID", new Date("2026-06-01"))?.threshold).toBe("9.7430010");
    expect(thresholdOn(rules, "DIRECT_AID", new Date("2027-01-01"))?.threshold).toBe("9.8000000");
  });
});

describe("eligibility explanations", () => {
  const contributions = [
    { variable: "constant", label: "base", value: 1, contribution: 9 },
    { variable: "household_size", label: "number of household members", value: 6, contribution: -0.6 },
    { variable: "owns_car", label: "owning a car", value: 0, contribution: 0 },
    { variable: "log_electricity_per_person", label: "electricity spending per person", value: 5, contribution: 0.3 },
    { variable: "housing_shanty", label: "living in a shanty", value: 1, contribution: -0.25 },
  ];

  it("tells an eligible household how far below the threshold it is, and why", () => {
    const e = explainEligibility("AMO_TADAMON", { score: "8.4500000", contributions }, tadamon);
    expect(e.eligible).toBe(true);
    expect(e.distance).toBe("-0.8764284");
    expect(e.factors.map((f) => [f.label, f.direction])).toEqual([
      ["number of household members", "LOWERS"],
      ["electricity spending per person", "RAISES"],
      ["living in a shanty", "LOWERS"],
    ]);
    expect(e.summary).toBe(
      "The household's index is 8.4500000, 0.8764284 below the AMO-Tadamon threshold 9.3264284, so it is eligible " +
        "(AMO-Tadamon requires an index at or below the threshold). What raises the index most: electricity spending per person. " +
        "What lowers it most: number of household members, living in a shanty.",
    );
  });

  it("tells an ineligible household it is above", () => {
    const e = explainEligibility("AMO_TADAMON", { score: "9.5000000", contributions }, tadamon);
    expect(e.eligible).toBe(false);
    expect(e.distance).toBe("0.1735716");
    expect(e.summary).toContain("0.1735716 above the AMO-Tadamon threshold 9.3264284, so it is not eligible");
  });
});
