import { ACHAMIL_EFFECTIVE_FROM, SHIPPED_THRESHOLDS, thresholdOn } from "@spx/reference/thresholds";
import { eligibilityChanges } from "../eligibility-changes.js";

const on = new Date("2026-12-02T10:00:00Z");
const household = "00000000-0000-4000-8000-000000000001";
const index = (score: string) => ({ score, modelVersion: "v1" });

describe("eligibility changes of a new index", () => {
  it("gives every programme on a first index", () => {
    const changes = eligibilityChanges(SHIPPED_THRESHOLDS, household, null, index("9.5000000"), "DECLARATION", on);
    expect(changes.map((c) => [c.program, c.eligible, c.previouslyEligible])).toEqual([
      ["AMO_TADAMON", false, null],
      ["DIRECT_AID", true, null],
      ["AMO_ACHAMIL", true, null],
    ]);
    expect(changes[0]).toEqual({
      householdId: household,
      program: "AMO_TADAMON",
      eligible: false,
      previouslyEligible: null,
      score: "9.5000000",
      threshold: "9.3264284",
      modelVersion: "v1",
      cause: "DECLARATION",
    });
  });

  it("gives only the programmes that flip, and none when nothing flips", () => {
    const up = eligibilityChanges(
      SHIPPED_THRESHOLDS,
      household,
      { score: "9.3264284" },
      index("9.3264285"),
      "RECOMPUTE",
      on,
    );
    expect(up.map((c) => [c.program, c.eligible, c.previouslyEligible, c.cause])).toEqual([
      ["AMO_TADAMON", false, true, "RECOMPUTE"],
      ["AMO_ACHAMIL", true, false, "RECOMPUTE"],
    ]);
    expect(
      eligibilityChanges(SHIPPED_THRESHOLDS, household, { score: "9.0000000" }, index("9.1000000"), "REVISION", on),
    ).toEqual([]);
  });
});

describe("AMO Achamil's threshold", () => {
  it("is in force from decree 2.23.690 of 15 Dec 2023 (law 60.22), not before", () => {
    expect(ACHAMIL_EFFECTIVE_FROM).toBe("2023-12-15");
    expect(thresholdOn(SHIPPED_THRESHOLDS, "AMO_ACHAMIL", new Date("2023-12-14T23:59:59Z"))).toBeUndefined();
    expect(thresholdOn(SHIPPED_THRESHOLDS, "AMO_ACHAMIL", new Date("2023-12-15T00:00:00Z"))?.threshold).toBe(
      "9.3264284",
    );
    expect(thresholdOn(SHIPPED_THRESHOLDS, "AMO_TADAMON", new Date("2023-12-14T00:00:00Z"))?.threshold).toBe(
      "9.3264284",
    );
  });

  it("gives no Achamil change for an index computed before that day", () => {
    const before = eligibilityChanges(
      SHIPPED_THRESHOLDS,
      household,
      null,
      index("9.9000000"),
      "DECLARATION",
      new Date("2023-12-14T12:00:00Z"),
    );
    expect(before.map((c) => c.program)).toEqual(["AMO_TADAMON", "DIRECT_AID"]);
  });
});
