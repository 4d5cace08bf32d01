import { ageOn } from "@spx/runtime/schema";
import { dayOf, rulesFor, SHIPPED_AMO_RULES } from "../amo-rules.js";
import {
  birthdayOf,
  coveringParent,
  type DependantCandidate,
  dependantDecision,
  dependantReviewOn,
  enrolledOn,
  type ParentFacts,
  parentRuleRefusal,
  type RelativeFacts,
  schoolYearOn,
} from "../dependants.js";

const rules = rulesFor(SHIPPED_AMO_RULES, "2026-12-02");

function person(birthDate: string, extra: Partial<RelativeFacts> = {}): RelativeFacts {
  return { idcs: "1", birthDate, alive: true, married: false, disabled: false, enrolment: null, ...extra };
}
const child = (p: RelativeFacts): DependantCandidate => ({ relation: "CHILD", person: p });
const HIGHER = { level: "HIGHER", schoolYear: "2026-2027" };

describe("children by age", () => {
  it("covers a child the day before their 21st birthday, not on it", () => {
    expect(dependantDecision(child(person("2005-12-03")), rules, dayOf("2026-12-02"))).toEqual({ kind: "CHILD" });
    expect(dependantDecision(child(person("2005-12-02")), rules, dayOf("2026-12-02"))).toHaveProperty("refused");
  });

  it("covers an unmarried student enrolled in higher education until the day before 26", () => {
    const student = (birthDate: string, extra: Partial<RelativeFacts> = {}) =>
      dependantDecision(child(person(birthDate, { enrolment: HIGHER, ...extra })), rules, dayOf("2026-12-02"));
    expect(student("2000-12-03")).toEqual({ kind: "STUDENT_CHILD" });
    expect(student("2000-12-02")).toHaveProperty("refused");
    // A married student of 23 is no dependant; an unmarried one is.
    expect(student("2003-05-01", { married: true })).toEqual({
      refused: "married: a married child is not a dependant child",
    });
    expect(student("2003-05-01")).toEqual({ kind: "STUDENT_CHILD" });
  });

  it("reads enrolment, not attainment: a working graduate of 24 is not covered as a student", () => {
    expect(dependantDecision(child(person("2002-06-01")), rules, dayOf("2026-12-02"))).toHaveProperty("refused");
    const vocational = person("2002-06-01", { enrolment: { level: "VOCATIONAL_TRAINING", schoolYear: "2026-2027" } });
    expect(dependantDecision(child(vocational), rules, dayOf("2026-12-02"))).toHaveProperty("refused");
  });

  it("covers a disabled child at any age, a kafala ward like a child, never the deceased", () => {
    expect(dependantDecision(child(person("1996-01-01", { disabled: true })), rules, dayOf("2026-12-02"))).toEqual({
      kind: "DISABLED_CHILD",
    });
    expect(dependantDecision({ relation: "KAFALA", person: person("2015-01-01") }, rules, dayOf("2026-12-02"))).toEqual(
      { kind: "KAFALA_CHILD" },
    );
    expect(dependantDecision(child(person("2015-01-01", { alive: false })), rules, dayOf("2026-12-02"))).toEqual({
      refused: "deceased",
    });
  });
});

describe("enrolment in the current school year", () => {
  it("turns on 1 September", () => {
    expect(schoolYearOn(dayOf("2026-08-31"))).toBe("2025-2026");
    expect(schoolYearOn(dayOf("2026-09-01"))).toBe("2026-2027");
  });
  it("counts the current and next school years, not a past one", () => {
    const levels = ["HIGHER"];
    expect(enrolledOn({ level: "HIGHER", schoolYear: "2025-2026" }, levels, dayOf("2026-08-31"))).toBe(true);
    expect(enrolledOn({ level: "HIGHER", schoolYear: "2025-2026" }, levels, dayOf("2026-09-01"))).toBe(false);
    expect(enrolledOn({ level: "HIGHER", schoolYear: "2026-2027" }, levels, dayOf("2026-08-31"))).toBe(true);
    expect(enrolledOn({ level: "HIGHER", schoolYear: null }, levels, dayOf("2026-08-31"))).toBe(true);
    expect(enrolledOn(null, levels, dayOf("2026-08-31"))).toBe(false);
  });
});

describe("spouses", () => {
  it("covers a spouse not insured elsewhere, and each of several spouses", () => {
    const spouse = (insuredElsewhere: boolean): DependantCandidate => ({
      relation: "SPOUSE",
      person: person("1980-01-01"),
      insuredElsewhere,
    });
    expect(dependantDecision(spouse(false), rules, dayOf("2026-12-02"))).toEqual({ kind: "SPOUSE" });
    expect(dependantDecision(spouse(true), rules, dayOf("2026-12-02"))).toHaveProperty("refused");
  });
});

describe("which parent's affiliation covers a child", () => {
  const base: ParentFacts = { motherIdcs: "M", fatherIdcs: "F", insured: new Set(), divorced: false, custodian: null };

  it("both parents insured: the father's", () => {
    const facts = { ...base, insured: new Set(["M", "F"]) };
    expect(coveringParent(facts)).toBe("F");
    expect(parentRuleRefusal("M", facts)).toBe("covered through the father's affiliation");
    expect(parentRuleRefusal("F", facts)).toBeNull();
  });

  it("one parent insured: theirs; none: anyone who may cover the child", () => {
    expect(coveringParent({ ...base, insured: new Set(["M"]) })).toBe("M");
    expect(parentRuleRefusal("G", { ...base, insured: new Set(["G"]) })).toBeNull();
  });

  it("after a divorce: the insured parent with custody", () => {
    const facts = { ...base, insured: new Set(["M", "F"]), divorced: true, custodian: "M" };
    expect(coveringParent(facts)).toBe("M");
    expect(parentRuleRefusal("F", facts)).toBe("covered through the affiliation of the parent with custody");
    // Custody without a divorce recorded does not move the child from the father's affiliation.
    expect(coveringParent({ ...facts, divorced: false })).toBe("F");
    // The custodian is not insured: the other parent's.
    expect(coveringParent({ ...facts, insured: new Set(["F"]) })).toBe("F");
  });
});

describe("the day a dependant's ground is next examined by time alone", () => {
  it("is the birthday of the age limit, the day ageOn counts it from (29 February on 1 March)", () => {
    expect(birthdayOf("2005-12-03", 21)).toBe("2026-12-03");
    expect(birthdayOf("2004-02-29", 21)).toBe("2025-03-01");
    expect(birthdayOf("2004-02-29", 24)).toBe("2028-02-29");
    for (const birth of ["2005-12-03", "2004-02-29", "2006-01-01", "2005-12-31"]) {
      const turns = birthdayOf(birth, 21);
      const dayBefore = new Date(Date.parse(`${turns}T00:00:00Z`) - 86_400_000);
      expect([ageOn(birth, dayBefore), ageOn(birth, dayOf(turns))]).toEqual([20, 21]);
    }
  });

  it("is the 21st birthday for a child or a kafala ward, none for a spouse or a disabled child", () => {
    const day = dayOf("2026-12-02");
    expect(dependantReviewOn(person("2010-05-05"), "CHILD", rules, day)).toBe("2031-05-05");
    expect(dependantReviewOn(person("2010-05-05"), "KAFALA_CHILD", rules, day)).toBe("2031-05-05");
    expect(dependantReviewOn(person("1980-05-05"), "SPOUSE", rules, day)).toBeNull();
    expect(dependantReviewOn(person("1990-05-05"), "DISABLED_CHILD", rules, day)).toBeNull();
  });

  it("is for a student the first day of the next school year, or the 26th birthday when sooner", () => {
    const day = dayOf("2026-12-02");
    const enrolled = { enrolment: HIGHER };
    expect(dependantReviewOn(person("2004-01-10", enrolled), "STUDENT_CHILD", rules, day)).toBe("2027-09-01");
    expect(dependantReviewOn(person("2001-03-10", enrolled), "STUDENT_CHILD", rules, day)).toBe("2027-03-10");
    // Enrolled in the summer for the next year: examined when that year is over.
    const next = { enrolment: { level: "HIGHER", schoolYear: "2027-2028" } };
    expect(dependantReviewOn(person("2004-01-10", next), "STUDENT_CHILD", rules, day)).toBe("2028-09-01");
    // No year declared: taken as the year in progress.
    const undated = { enrolment: { level: "HIGHER", schoolYear: null } };
    expect(dependantReviewOn(person("2004-01-10", undated), "STUDENT_CHILD", rules, day)).toBe("2027-09-01");
  });

  it("decides the ground again on that day: the child of 21 is no longer one, the student past the year neither", () => {
    const child21 = person("2005-12-03");
    expect(dependantDecision(child(child21), rules, dayOf("2026-12-02"))).toEqual({ kind: "CHILD" });
    expect(dependantDecision(child(child21), rules, dayOf("2026-12-03"))).toHaveProperty("refused");
    const student = person("2004-01-10", { enrolment: HIGHER });
    expect(dependantDecision(child(student), rules, dayOf("2027-08-31"))).toEqual({ kind: "STUDENT_CHILD" });
    expect(dependantDecision(child(student), rules, dayOf("2027-09-01"))).toHaveProperty("refused");
  });
});
