import { type FieldProblem, ValidationError } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import { NotEligibleError } from "../errors.js";
import type { HouseholdForTadamon, PersonFacts } from "../registers.js";
import { type DependantKind, dependantKind } from "./dependants.js";

/*
 * Who may be affiliated, and with whom, from the other registers' facts: AMO-Tadamon by the social
 * register's decision for the household, the contributory regimes by the population register's
 * facts about each person.
 */

export interface EntitledDependant {
  idcs: string;
  kind: DependantKind;
}

/** The social register's AMO-Tadamon decision for the household, when it says eligible. */
export function tadamonDecision(household: HouseholdForTadamon): HouseholdForTadamon["eligibility"][number] {
  const decision = household.eligibility.find((e) => e.program === "AMO_TADAMON");
  if (!decision?.eligible) {
    throw new NotEligibleError(
      decision
        ? `The household's index ${decision.scoreUsed} is above the AMO-Tadamon threshold`
        : "The household has no index yet",
    );
  }
  return decision;
}

/** The head of household, the principal of an AMO-Tadamon affiliation: they must be alive. */
export function tadamonPrincipal(household: HouseholdForTadamon): string {
  const head = household.members.find((m) => m.relationship === "HEAD");
  if (head?.person.lifeStatus !== "ALIVE") {
    throw new NotEligibleError("The household has no living head to enrol as principal");
  }
  return head.person.idcs;
}

/** The living spouses and children entitled as dependants; the register knows no marriage or disability. */
export function tadamonDependants(household: HouseholdForTadamon, now: Date): EntitledDependant[] {
  const schooling = new Map(household.declaration?.members.map((m) => [m.idcs, m.schooling]) ?? []);
  return household.members
    .filter((m) => m.relationship === "SPOUSE" || m.relationship === "CHILD")
    .filter((m) => m.person.lifeStatus === "ALIVE")
    .map((m) => ({
      idcs: m.person.idcs,
      kind: dependantKind({
        relation: m.relationship as "SPOUSE" | "CHILD",
        age: ageOn(m.person.birthDate, now),
        unmarried: true,
        inHigherEducation: schooling.get(m.person.idcs) === "HIGHER",
        disabled: false,
      }),
    }))
    .filter((d): d is EntitledDependant => d.kind !== null);
}

/** Everyone to be covered must be registered and alive in the population register. */
export function requireAlive(everyone: readonly string[], facts: ReadonlyMap<string, PersonFacts>): void {
  const missing = everyone.filter((idcs) => facts.get(idcs)?.lifeStatus !== "ALIVE");
  if (missing.length > 0) {
    throw new NotEligibleError(`Not registered or not alive in the population register: ${missing.join(", ")}`);
  }
}

/** AMO Achamil is for households the social register places above the AMO-Tadamon threshold. */
export function requireAchamilEligible(principal: PersonFacts | undefined): void {
  const achamil = principal?.household?.eligibility.find((e) => e.program === "AMO_ACHAMIL");
  if (!achamil?.eligible) {
    throw new NotEligibleError("AMO Achamil is for households above the AMO-Tadamon threshold in the social register");
  }
}

export interface DependantClaim {
  idcs: string;
  relation: "SPOUSE" | "CHILD";
  unmarried?: boolean | null;
  inHigherEducation?: boolean | null;
  disabled?: boolean | null;
}

/** The dependants claimed, each with its ground; every one not entitled is listed in one error. */
export function entitledDependants(
  claims: readonly DependantClaim[],
  facts: ReadonlyMap<string, PersonFacts>,
  now: Date,
): EntitledDependant[] {
  const problems: FieldProblem[] = [];
  const dependants = claims.flatMap((d, i) => {
    const kind = dependantKind({
      relation: d.relation,
      age: ageOn(facts.get(d.idcs)?.birthDate ?? "1900-01-01", now),
      unmarried: d.unmarried ?? true,
      inHigherEducation: d.inHigherEducation ?? false,
      disabled: d.disabled ?? false,
    });
    if (!kind) {
      problems.push({
        field: `input.dependants.${i}`,
        message: "is not entitled (children up to 21, 26 in higher education, any age if disabled)",
      });
      return [];
    }
    return [{ idcs: d.idcs, kind }];
  });
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  return dependants;
}
