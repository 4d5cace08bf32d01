import { checkDeclaration, type DeclarationInput } from "../declaration-rules.js";
import { checkHouseholdInput } from "../household-rules.js";
import { effectiveValues, verifyDeclaration } from "../verification.js";

const head = "1000000009";
const declaration: DeclarationInput = {
  housingType: "HOUSE",
  rooms: 3,
  occupancy: "OWNER",
  waterConnected: true,
  electricityConnected: true,
  electricitySpending: 15_000,
  waterSpending: 6_000,
  telephoneSpending: 10_000,
  gasSpending: 5_000,
  durableGoods: ["CAR", "TELEVISION"],
  livestockHeads: 0,
  landHectares: 0,
  members: [{ idcs: head, attainment: "SECONDARY", occupation: "UNEMPLOYED", enrolment: null }],
};

describe("declaration rules", () => {
  it("accepts a plausible declaration", () => {
    expect(checkDeclaration(declaration, [head])).toEqual([]);
  });

  it.each([
    [{ rooms: 0 }, "rooms"],
    [{ electricitySpending: -1 }, "electricitySpending"],
    [{ waterSpending: 600_000 }, "waterSpending"],
    [{ electricityConnected: false }, "electricitySpending"],
    [{ livestockHeads: -3 }, "livestockHeads"],
    [{ landHectares: 20_000 }, "landHectares"],
    [{ durableGoods: ["CAR", "CAR"] }, "durableGoods"],
    [{ members: [] }, "members"],
  ] as const)("refuses %j (%s)", (change, field) => {
    const problems = checkDeclaration({ ...declaration, ...change } as DeclarationInput, [head]);
    expect(problems.map((p) => p.field)).toContain(field);
  });
});

describe("household rules", () => {
  const address = { regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: "URBAN" as const };

  it.each([
    [head, [{ idcs: head, relationship: "SPOUSE" as const }], address, "a person is listed twice"],
    [
      head,
      [{ idcs: "1000000008", relationship: "CHILD" as const }],
      address,
      "every IDCS must be 10 digits with a valid check digit",
    ],
    [
      head,
      [{ idcs: "4123456784", relationship: "HEAD" as const }],
      address,
      "the head is given as headIdcs, not among the members",
    ],
    [head, [], { ...address, regionCode: "00" }, "must be one of the 12 official region codes 01–12"],
    [head, [], { ...address, province: "Tata" }, "is not a province or prefecture of region 06"],
  ])("refuses %s with %j", (h, members, a, message) => {
    expect(checkHouseholdInput(h, members, a).map((p) => p.message)).toContain(message);
  });
});

describe("verification against administrative sources", () => {
  const declared = {
    headIdcs: head,
    electricitySpending: 15_000,
    waterSpending: 6_000,
    hasCar: true,
    members: [{ idcs: head, occupation: "UNEMPLOYED" }],
  };

  it("marks items verified, mismatched or unverified, and lets the sources prevail", () => {
    const checks = verifyDeclaration(declared, [
      { source: "ELECTRICITY_UTILITY", personIdcs: head, item: "ELECTRICITY_SPENDING", value: "16000" },
      { source: "VEHICLE_REGISTRY", personIdcs: head, item: "CAR", value: "false" },
      { source: "CNSS", personIdcs: head, item: "EMPLOYMENT", value: "PRIVATE_EMPLOYEE" },
    ]);
    expect(checks.map((c) => [c.item, c.status])).toEqual([
      ["ELECTRICITY_SPENDING", "VERIFIED"],
      ["WATER_SPENDING", "UNVERIFIED"],
      ["CAR", "MISMATCH"],
      ["EMPLOYMENT", "MISMATCH"],
    ]);
    const effective = effectiveValues(declared, checks);
    expect(effective.electricitySpending).toBe(16_000);
    expect(effective.waterSpending).toBe(6_000);
    expect(effective.hasCar).toBe(false);
    expect(effective.occupations.get(head)).toBe("PRIVATE_EMPLOYEE");
  });

  it("leaves everything unverified without records", () => {
    expect(verifyDeclaration(declared, []).every((c) => c.status === "UNVERIFIED")).toBe(true);
  });
});
