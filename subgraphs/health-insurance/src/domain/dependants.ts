import { ageOn } from "@spx/runtime/schema";
import type { AmoRules } from "./amo-rules.js";

/*
 * Who may be covered as a dependant of an insured person, from the registers' facts (law 65-00 as
 * summarised by ANAM, shared/notes/domain.md A4): the spouse or spouses in force not insured
 * elsewhere; the principal's children (filiation) and kafala wards up to 21, up to 26 when unmarried
 * and enrolled in higher education, without age limit when disabled; a married child is nobody's
 * dependant child. The limits are data (AmoRules).
 */

export type DependantKind = "SPOUSE" | "CHILD" | "STUDENT_CHILD" | "DISABLED_CHILD" | "KAFALA_CHILD";

/** What the registers say about a relative on the day of the decision. */
export interface RelativeFacts {
  idcs: string;
  birthDate: string;
  alive: boolean;
  /** Currently married (population register's marital status MARRIED). */
  married: boolean;
  /** A recognised disability in force (population register). */
  disabled: boolean;
  /** Current enrolment declared in the social register (null: not enrolled, or not declared). */
  enrolment: { level: string; schoolYear: string | null } | null;
}

export type DependantCandidate =
  | { relation: "SPOUSE"; person: RelativeFacts; insuredElsewhere: boolean }
  /** CHILD: by filiation; KAFALA: a ward of the principal under a kafala in force. */
  | { relation: "CHILD" | "KAFALA"; person: RelativeFacts };

export type DependantDecision = { kind: DependantKind } | { refused: string };

/** The school year a day falls in: September to August ("2026-2027" from 1 Sep 2026 to 31 Aug 2027). */
export function schoolYearOn(day: Date): string {
  const year = day.getUTCFullYear();
  const start = day.getUTCMonth() >= 8 ? year : year - 1;
  return `${start}-${start + 1}`;
}

/**
 * Enrolled now: an enrolment for the current school year, or for the next one (enrolled in the
 * summer before it starts). An enrolment of a past year says nothing about today. No year: taken
 * as current (the declaration is the household's latest word).
 */
export function enrolledOn(enrolment: RelativeFacts["enrolment"], levels: readonly string[], day: Date): boolean {
  if (!enrolment || !levels.includes(enrolment.level)) {
    return false;
  }
  if (!enrolment.schoolYear) {
    return true;
  }
  const current = schoolYearOn(day);
  const start = Number(current.slice(0, 4));
  return enrolment.schoolYear === current || enrolment.schoolYear === `${start + 1}-${start + 2}`;
}

/** The ground on which a relative is a dependant on `day`, or why they are not. */
export function dependantDecision(candidate: DependantCandidate, rules: AmoRules, day: Date): DependantDecision {
  const { person } = candidate;
  if (!person.alive) {
    return { refused: "deceased" };
  }
  if (candidate.relation === "SPOUSE") {
    return candidate.insuredElsewhere ? { refused: "insured under an affiliation of their own" } : { kind: "SPOUSE" };
  }
  if (person.married) {
    return { refused: "married: a married child is not a dependant child" };
  }
  if (person.disabled) {
    return { kind: "DISABLED_CHILD" };
  }
  const age = ageOn(person.birthDate, day);
  if (age < rules.childAgeLimit) {
    return { kind: candidate.relation === "KAFALA" ? "KAFALA_CHILD" : "CHILD" };
  }
  if (age < rules.studentAgeLimit && enrolledOn(person.enrolment, rules.studentEnrolmentLevels, day)) {
    return { kind: "STUDENT_CHILD" };
  }
  return age < rules.studentAgeLimit
    ? { refused: `${rules.childAgeLimit} or older and not enrolled in higher education` }
    : { refused: `${rules.studentAgeLimit} or older and not disabled` };
}

/** The facts that decide which parent's affiliation covers a child. */
export interface ParentFacts {
  motherIdcs: string | null;
  fatherIdcs: string | null;
  /** Principals of open affiliations, the person asking to cover the child included. */
  insured: ReadonlySet<string>;
  /** The parents' marriage ended in divorce. */
  divorced: boolean;
  /** The parent holding custody (guardianship of kind CUSTODY in force), if any. */
  custodian: string | null;
}

/**
 * The parent through whose affiliation a child is covered, or null when neither parent is insured
 * (someone else, a kafil or a head of household, may then cover them). Both parents insured: the
 * father's; after a divorce, the insured parent holding custody (ANAM).
 */
export function coveringParent(facts: ParentFacts): string | null {
  const { motherIdcs, fatherIdcs, insured } = facts;
  const custodian = facts.custodian;
  if (
    facts.divorced &&
    custodian !== null &&
    (custodian === motherIdcs || custodian === fatherIdcs) &&
    insured.has(custodian)
  ) {
    return custodian;
  }
  if (fatherIdcs && insured.has(fatherIdcs)) {
    return fatherIdcs;
  }
  if (motherIdcs && insured.has(motherIdcs)) {
    return motherIdcs;
  }
  return null;
}

/** A child may be covered by `principal` unless one of their parents' affiliations must cover them. */
export function parentRuleRefusal(principal: string, facts: ParentFacts): string | null {
  const parent = coveringParent(facts);
  if (parent === null || parent === principal) {
    return null;
  }
  return parent === facts.fatherIdcs
    ? "covered through the father's affiliation"
    : "covered through the affiliation of the parent with custody";
}

/** The day someone born on `birthDate` (ISO) turns `years`: 29 February's children on 1 March in other years. */
export function birthdayOf(birthDate: string, years: number): string {
  const [y, m, d] = birthDate.split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y + years, m - 1, d));
  // 29 February of a year without one: Date.UTC rolls over to 1 March, the day ageOn counts the year from.
  return day.toISOString().slice(0, 10);
}

/**
 * The first day on which a dependant's ground can change by time alone, so that the dependants
 * review re-examines them then: a child's or kafala ward's age limit; a student's age limit, or
 * the first day of the school year after the one enrolled in, whichever comes first. None for a
 * spouse or a disabled child (their grounds change by events: a divorce, a disability's end).
 */
export function dependantReviewOn(
  person: Pick<RelativeFacts, "birthDate" | "enrolment">,
  kind: DependantKind,
  rules: AmoRules,
  day: Date,
): string | null {
  if (kind === "CHILD" || kind === "KAFALA_CHILD") {
    return birthdayOf(person.birthDate, rules.childAgeLimit);
  }
  if (kind !== "STUDENT_CHILD") {
    return null;
  }
  // The enrolment's school year ("2026-2027"), or the one in progress when none was declared.
  const year = person.enrolment?.schoolYear ?? schoolYearOn(day);
  const nextYearStarts = `${year.slice(5, 9)}-09-01`;
  const limit = birthdayOf(person.birthDate, rules.studentAgeLimit);
  return limit < nextYearStarts ? limit : nextYearStarts;
}
