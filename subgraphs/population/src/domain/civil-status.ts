import type { FieldProblem } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";

/*
 * Civil-status rules that need no database beyond the persons concerned and the rule values. Dates
 * are days at midnight UTC. A person is alive on day D when no death is recorded or D is on or
 * before the day of death: the death ends marriages and guardianships on that day.
 */

export const RULES = {
  maxMarriagesHusband: "MAX_MARRIAGES_IN_FORCE_HUSBAND",
  maxMarriagesWife: "MAX_MARRIAGES_IN_FORCE_WIFE",
  minParentAge: "MIN_PARENT_AGE_YEARS",
  maxPosthumousDays: "MAX_POSTHUMOUS_BIRTH_DAYS",
  wardMaxAge: "WARD_MAX_AGE_YEARS",
  minGuardianAge: "MIN_GUARDIAN_AGE_YEARS",
} as const;
export type RuleName = (typeof RULES)[keyof typeof RULES];

export interface RuleRow {
  name: string;
  effectiveFrom: Date;
  value: number;
}

/** The rules of `civil_rule`, each read for the day a fact happened. */
export class CivilRules {
  constructor(private readonly rows: readonly RuleRow[]) {}

  /** The value in force on `day`; before a rule's first row, that first row (see the migration). */
  on(name: RuleName, day: Date): number {
    const rows = this.rows
      .filter((r) => r.name === name)
      .sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
    const first = rows[0];
    if (!first) {
      throw new Error(`No civil rule ${name}`);
    }
    return rows.filter((r) => r.effectiveFrom.getTime() <= day.getTime()).at(-1)?.value ?? first.value;
  }
}

/** What the rules read of a person. */
export interface PersonFacts {
  idcs: string;
  sex: "MALE" | "FEMALE";
  birthDate: Date;
  dateOfDeath: Date | null;
}

const DAY_MS = 86_400_000;

export function aliveOn(person: PersonFacts, day: Date): boolean {
  return person.dateOfDeath === null || day.getTime() <= person.dateOfDeath.getTime();
}

export function isoDay(day: Date): string {
  return day.toISOString().slice(0, 10);
}

/** `day` is not after `today`. */
export function notInFuture(problems: FieldProblem[], field: string, day: Date, today: Date): void {
  if (day.getTime() > today.getTime()) {
    problems.push({ field, message: "is in the future" });
  }
}

/** The spouses' own facts for a marriage on `since`: sexes, born by then, alive then. */
export function checkSpouses(
  problems: FieldProblem[],
  husband: PersonFacts,
  wife: PersonFacts,
  since: Date,
  today: Date,
): void {
  notInFuture(problems, "since", since, today);
  if (husband.idcs === wife.idcs) {
    problems.push({ field: "wifeIdcs", message: "is the husband" });
  }
  if (husband.sex !== "MALE") {
    problems.push({ field: "husbandIdcs", message: "is not a man" });
  }
  if (wife.sex !== "FEMALE") {
    problems.push({ field: "wifeIdcs", message: "is not a woman" });
  }
  for (const [field, spouse] of [
    ["husbandIdcs", husband],
    ["wifeIdcs", wife],
  ] as const) {
    if (since.getTime() < spouse.birthDate.getTime()) {
      problems.push({ field, message: "was not born on the marriage date" });
    } else if (!aliveOn(spouse, since)) {
      problems.push({ field, message: "had died before the marriage date" });
    }
  }
}

/** When a marriage being recorded already ended by a spouse's death: the first death, or null. */
export function endedByDeath(husband: PersonFacts, wife: PersonFacts): Date | null {
  const deaths = [husband.dateOfDeath, wife.dateOfDeath].filter((d): d is Date => d !== null);
  return deaths.length === 0 ? null : new Date(Math.min(...deaths.map((d) => d.getTime())));
}

/** Whether two periods [since, endedOn) overlap (an open end is "still in force"). */
export function overlaps(a: { since: Date; endedOn: Date | null }, b: { since: Date; endedOn: Date | null }): boolean {
  const aEnd = a.endedOn?.getTime() ?? Number.POSITIVE_INFINITY;
  const bEnd = b.endedOn?.getTime() ?? Number.POSITIVE_INFINITY;
  return a.since.getTime() < bEnd && b.since.getTime() < aEnd;
}

/**
 * A parent for a child: the right sex, old enough at the birth (MIN_PARENT_AGE_YEARS), a mother
 * alive at the birth, a father dead no more than MAX_POSTHUMOUS_BIRTH_DAYS before it.
 */
export function checkParent(
  problems: FieldProblem[],
  field: "motherIdcs" | "fatherIdcs",
  parent: PersonFacts,
  child: Pick<PersonFacts, "idcs" | "birthDate">,
  rules: CivilRules,
): void {
  if (parent.idcs === child.idcs) {
    problems.push({ field, message: "is the child" });
    return;
  }
  const sex = field === "motherIdcs" ? "FEMALE" : "MALE";
  if (parent.sex !== sex) {
    problems.push({ field, message: sex === "FEMALE" ? "is not a woman" : "is not a man" });
  }
  const minAge = rules.on(RULES.minParentAge, child.birthDate);
  if (child.birthDate.getTime() < parent.birthDate.getTime() || ageOn(parent.birthDate, child.birthDate) < minAge) {
    problems.push({ field, message: `was not ${minAge} years old at the child's birth` });
  }
  if (parent.dateOfDeath) {
    const allowance = field === "fatherIdcs" ? rules.on(RULES.maxPosthumousDays, child.birthDate) * DAY_MS : 0;
    if (parent.dateOfDeath.getTime() + allowance < child.birthDate.getTime()) {
      problems.push({
        field,
        message:
          field === "fatherIdcs"
            ? `died more than ${allowance / DAY_MS} days before the child's birth`
            : "died before the child's birth",
      });
    }
  }
}

export type GuardianshipKind = "LEGAL_GUARDIANSHIP" | "CUSTODY" | "KAFALA";

/** A guardianship from `since`: both alive then, the guardian of age, a minor for custody and kafala. */
export function checkGuardianship(
  problems: FieldProblem[],
  kind: GuardianshipKind,
  child: PersonFacts,
  guardian: PersonFacts,
  since: Date,
  today: Date,
  rules: CivilRules,
): void {
  notInFuture(problems, "since", since, today);
  if (child.idcs === guardian.idcs) {
    problems.push({ field: "guardianIdcs", message: "is the child" });
  }
  if (since.getTime() < child.birthDate.getTime()) {
    problems.push({ field: "since", message: "is before the child's birth" });
  } else if (!aliveOn(child, since)) {
    problems.push({ field: "childIdcs", message: "had died on that date" });
  } else if (kind !== "LEGAL_GUARDIANSHIP" && ageOn(child.birthDate, since) >= rules.on(RULES.wardMaxAge, since)) {
    problems.push({ field: "childIdcs", message: `was ${rules.on(RULES.wardMaxAge, since)} or older on that date` });
  }
  if (since.getTime() < guardian.birthDate.getTime() || !aliveOn(guardian, since)) {
    problems.push({ field: "guardianIdcs", message: "was not alive on that date" });
  } else if (ageOn(guardian.birthDate, since) < rules.on(RULES.minGuardianAge, since)) {
    problems.push({
      field: "guardianIdcs",
      message: `was under ${rules.on(RULES.minGuardianAge, since)} on that date`,
    });
  }
}

/** A recognised disability: certified on a day of the person's life, reviewed after. */
export function checkDisability(
  problems: FieldProblem[],
  person: PersonFacts,
  certifiedOn: Date,
  reviewOn: Date | null,
  today: Date,
): void {
  notInFuture(problems, "certifiedOn", certifiedOn, today);
  if (certifiedOn.getTime() < person.birthDate.getTime()) {
    problems.push({ field: "certifiedOn", message: "is before the person's birth" });
  } else if (!aliveOn(person, certifiedOn)) {
    problems.push({ field: "certifiedOn", message: "is after the person's death" });
  }
  if (reviewOn && reviewOn.getTime() <= certifiedOn.getTime()) {
    problems.push({ field: "reviewOn", message: "is not after certifiedOn" });
  }
}

/** A disability is in force from its certification until its review date, that day included. */
export function disabilityInForce(d: { certifiedOn: Date; reviewOn: Date | null }, day: Date): boolean {
  return d.certifiedOn.getTime() <= day.getTime() && (d.reviewOn === null || day.getTime() <= d.reviewOn.getTime());
}

export type MaritalStatus = "SINGLE" | "MARRIED" | "DIVORCED" | "WIDOWED";

/**
 * A person's marital status from their marriages: married while one is in force; otherwise from
 * how the last one ended (an annulled marriage is void, as if never concluded; a marriage ended
 * by the person's own death leaves them married).
 */
export function maritalStatusOf(
  person: { dateOfDeath: Date | null },
  marriages: readonly { endedOn: Date | null; endReason: string | null }[],
): MaritalStatus {
  const valid = marriages.filter((m) => m.endReason !== "ANNULMENT");
  if (valid.some((m) => m.endedOn === null)) {
    return "MARRIED";
  }
  const last = [...valid].sort((a, b) => (a.endedOn?.getTime() ?? 0) - (b.endedOn?.getTime() ?? 0)).at(-1);
  if (!last) {
    return "SINGLE";
  }
  if (last.endReason === "DEATH") {
    const ownDeath = person.dateOfDeath !== null && last.endedOn?.getTime() === person.dateOfDeath.getTime();
    return ownDeath ? "MARRIED" : "WIDOWED";
  }
  return "DIVORCED";
}

/** Who recorded a fact, as shown: the agency and role, never a name. */
export function recorderOf(caller: { agency?: string | undefined; role: string }): string {
  return `${caller.agency ?? "CITIZEN"}/${caller.role}`;
}
