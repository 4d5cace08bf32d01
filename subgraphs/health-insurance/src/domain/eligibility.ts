import { type FieldProblem, ValidationError } from "@spx/runtime/errors";
import { NotEligibleError } from "../errors.js";
import type { HouseholdForTadamon, PersonFacts } from "../registers.js";
import type { DependantKind } from "./dependants.js";

/*
 * Who may be affiliated, and with whom, from the other registers' facts: AMO-Tadamon by the social
 * register's decision for the household, the contributory regimes by the population register's
 * facts about each person.
 */

export interface EntitledDependant {
  idcs: string;
  kind: DependantKind;
  /** When the dependants review re-examines this ground by time alone (`dependantReviewOn`), if ever. */
  reviewOn: string | null;
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
}

/** The family as the registers' facts decide it (services/family.ts). */
export interface FamilyGrounds {
  entitled: readonly (EntitledDependant & { claimedByParentRule: boolean })[];
  refused: readonly { idcs: string; reason: string }[];
}

/**
 * The dependants claimed, each on the ground the facts give (the claim's own flags are not
 * believed: marriages, filiation, kafala, disability and enrolment come from the registers);
 * every claim the facts do not support is listed in one error, with the reason.
 */
export function entitledClaims(
  claims: readonly DependantClaim[],
  family: FamilyGrounds,
): (EntitledDependant & { claimedByParentRule: boolean })[] {
  const problems: FieldProblem[] = [];
  const entitled = new Map(family.entitled.map((d) => [d.idcs, d]));
  const refused = new Map(family.refused.map((d) => [d.idcs, d.reason]));
  const dependants = claims.flatMap((claim, i) => {
    const found = entitled.get(claim.idcs);
    const isSpouse = found?.kind === "SPOUSE";
    if (found && isSpouse === (claim.relation === "SPOUSE")) {
      return [found];
    }
    problems.push({
      field: `input.dependants.${i}`,
      message: found
        ? `is the principal's ${isSpouse ? "spouse" : "child"} in the population register`
        : `is not entitled: ${refused.get(claim.idcs) ?? "not the principal's spouse, child or kafala ward in the population register"}`,
    });
    return [];
  });
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  return dependants;
}
