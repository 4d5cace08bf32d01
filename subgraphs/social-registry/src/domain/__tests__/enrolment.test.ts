import { assessDeclaration } from "../../assessment.js";
import { checkDeclaration, type DeclarationInput, memberDetailsOf, schoolYearOn } from "../declaration-rules.js";
import type { Enrolment } from "../household-facts.js";
import { loadShippedModels } from "../models.js";

const graduate = "1000000009";
const pupil = "1000000017";
const on = new Date("2026-12-02T10:00:00Z");

describe("school years", () => {
  it("start in September", () => {
    expect(schoolYearOn(new Date("2026-08-31T23:00:00Z"))).toBe("2025-2026");
    expect(schoolYearOn(new Date("2026-09-01T00:00:00Z"))).toBe("2026-2027");
    expect(schoolYearOn(new Date("2027-01-15T00:00:00Z"))).toBe("2026-2027");
  });
});

describe("a member's line: attainment apart from enrolment", () => {
  const primary: Enrolment = { level: "PRIMARY", institutionType: "PUBLIC", schoolYear: "2026-2027" };

  it("takes attainment, or schooling as its deprecated name, and enrolment when given", () => {
    const { members, problems } = memberDetailsOf(
      [
        { idcs: graduate, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE" },
        { idcs: pupil, schooling: "PRESCHOOL", occupation: "CHILD", enrolment: primary },
      ],
      on,
    );
    expect(problems).toEqual([]);
    expect(members).toEqual([
      { idcs: graduate, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE", enrolment: null },
      { idcs: pupil, attainment: "PRESCHOOL", occupation: "CHILD", enrolment: primary },
    ]);
  });

  it.each([
    [{ occupation: "CHILD" }, "members.0.attainment"],
    [{ attainment: "PRIMARY", schooling: "HIGHER", occupation: "CHILD" }, "members.0.schooling"],
    [
      { attainment: "NONE", occupation: "CHILD", enrolment: { ...primary, schoolYear: "2026/27" } },
      "members.0.enrolment.schoolYear",
    ],
    [
      { attainment: "NONE", occupation: "CHILD", enrolment: { ...primary, schoolYear: "2026-2028" } },
      "members.0.enrolment.schoolYear",
    ],
    [
      { attainment: "NONE", occupation: "CHILD", enrolment: { ...primary, schoolYear: "2024-2025" } },
      "members.0.enrolment.schoolYear",
    ],
    [{ attainment: "NONE", occupation: "CHILD", enrolment: { ...primary, level: "DOCTORATE" } }, "members.0.enrolment"],
  ] as const)("refuses %j (%s)", (line, field) => {
    const { problems } = memberDetailsOf([{ idcs: pupil, ...(line as object) } as never], on);
    expect(problems.map((p) => p.field)).toEqual([field]);
  });

  it("accepts next year's enrolment, declared ahead", () => {
    expect(
      memberDetailsOf(
        [{ idcs: pupil, attainment: "NONE", occupation: "CHILD", enrolment: { ...primary, schoolYear: "2027-2028" } }],
        on,
      ).problems,
    ).toEqual([]);
  });

  it("does not refuse a level unusual for the age (not a rule of the register)", () => {
    const adult = { level: "PRIMARY", institutionType: "PUBLIC", schoolYear: "2026-2027" } as const;
    expect(
      memberDetailsOf([{ idcs: graduate, attainment: "NONE", occupation: "OTHER", enrolment: adult }], on).problems,
    ).toEqual([]);
  });
});

describe("the index reads attainment, never enrolment", () => {
  const declaration = (members: DeclarationInput["members"]): DeclarationInput => ({
    housingType: "HOUSE",
    rooms: 3,
    occupancy: "TENANT",
    waterConnected: true,
    electricityConnected: true,
    electricitySpending: 20_000,
    waterSpending: 8_000,
    telephoneSpending: 15_000,
    gasSpending: 6_000,
    durableGoods: ["TELEVISION", "REFRIGERATOR"],
    livestockHeads: 0,
    landHectares: 0,
    members,
  });
  const assess = (input: DeclarationInput) =>
    assessDeclaration({
      household: { regionCode: "04", milieu: "URBAN" },
      headIdcs: graduate,
      input,
      ages: new Map([
        [graduate, 24],
        [pupil, 8],
      ]),
      records: [],
      models: loadShippedModels(),
      on,
    });

  it("scores a working graduate of 24 on the degree completed, and the same whatever anyone's enrolment", () => {
    const notEnrolled = declaration([
      { idcs: graduate, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE", enrolment: null },
      { idcs: pupil, attainment: "PRESCHOOL", occupation: "CHILD", enrolment: null },
    ]);
    const enrolled = declaration([
      {
        idcs: graduate,
        attainment: "HIGHER",
        occupation: "PRIVATE_EMPLOYEE",
        enrolment: { level: "HIGHER", institutionType: "PRIVATE", schoolYear: "2026-2027" },
      },
      {
        idcs: pupil,
        attainment: "PRESCHOOL",
        occupation: "CHILD",
        enrolment: { level: "PRIMARY", institutionType: "PUBLIC", schoolYear: "2026-2027" },
      },
    ]);
    expect(checkDeclaration(notEnrolled, [graduate, pupil])).toEqual([]);
    const a = assess(notEnrolled);
    const b = assess(enrolled);
    expect(a.result.score).toBe(b.result.score);
    expect(a.facts).toEqual(b.facts);
    expect(JSON.stringify(a.facts)).not.toContain("enrolment");
    expect(a.result.contributions.find((c) => c.variable === "head_schooling_higher")?.value).toBe(1);
    const lower = assess(
      declaration([
        { idcs: graduate, attainment: "SECONDARY", occupation: "PRIVATE_EMPLOYEE", enrolment: null },
        { idcs: pupil, attainment: "PRESCHOOL", occupation: "CHILD", enrolment: null },
      ]),
    );
    expect(lower.result.score).not.toBe(a.result.score);
  });
});
