import { ageOn } from "@spx/runtime/schema";
import type { ChildFacts } from "./entitlement.js";

/** What the social and population registers say of a household, as this programme needs it. */
export interface AidHouseholdFacts {
  id: string;
  regionCode: string;
  eligibility: { program: string; eligible: boolean; scoreUsed: string }[];
  members: { relationship: string; person: { idcs: string; birthDate: string; sex: string; lifeStatus: string } }[];
  declaration: { members: { idcs: string; schooling: string; occupation: string }[] } | null;
}

/** The head of household, who is the beneficiary of the aid (the social register names one per household). */
export function headOf(household: AidHouseholdFacts): string | undefined {
  return household.members.find((m) => m.relationship === "HEAD")?.person.idcs;
}

/** Whether the person is a current member of the household. */
export function isMember(household: AidHouseholdFacts, idcs: string | undefined): boolean {
  return idcs !== undefined && household.members.some((m) => m.person.idcs === idcs);
}

/**
 * The household's children as the entitlement rules see them, on the last day of `month`.
 * "Fatherless" is approximated as a household headed by a woman with no spouse: the registers hold
 * no filiation yet (noted for a later issue).
 */
export function childrenOf(household: AidHouseholdFacts, month: string): ChildFacts[] {
  const [year, mon] = month.split("-").map(Number);
  const end = new Date(Date.UTC(year ?? 1970, mon ?? 1, 0));
  const head = household.members.find((m) => m.relationship === "HEAD");
  const fatherless =
    head?.person.sex === "FEMALE" &&
    !household.members.some((m) => m.relationship === "SPOUSE" && m.person.lifeStatus === "ALIVE");
  const details = new Map(household.declaration?.members.map((m) => [m.idcs, m]) ?? []);
  const children = household.members
    .filter((m) => m.relationship === "CHILD" && m.person.lifeStatus === "ALIVE")
    .sort((a, b) => (a.person.birthDate < b.person.birthDate ? -1 : 1));
  return children.map((child, index) => {
    const detail = details.get(child.person.idcs);
    return {
      idcs: child.person.idcs,
      age: ageOn(child.person.birthDate, end),
      inSchool: ["PRIMARY", "SECONDARY", "HIGHER"].includes(detail?.schooling ?? "NONE"),
      disabled: false,
      fatherless,
      bornThisMonth: child.person.birthDate.slice(0, 7) === month,
      birthRank: index + 1,
    };
  });
}

/**
 * Law 58-23: no direct aid with another family allowance, nor when a member is paid by the State
 * or draws a pension. Returns the reasons for refusal (empty when none applies).
 */
export function exclusions(household: AidHouseholdFacts, otherFamilyAllowance: boolean): string[] {
  const reasons: string[] = [];
  const decision = household.eligibility.find((e) => e.program === "DIRECT_AID");
  if (!decision) {
    reasons.push("The household has no socio-economic index yet");
  } else if (!decision.eligible) {
    reasons.push(`The household's index ${decision.scoreUsed} is above the direct aid threshold 9.743001`);
  }
  if (otherFamilyAllowance) {
    reasons.push("The household receives another family allowance");
  }
  const occupations = household.declaration?.members.map((m) => m.occupation) ?? [];
  if (occupations.includes("PUBLIC_EMPLOYEE")) {
    reasons.push("A member is paid by the State");
  }
  if (occupations.includes("RETIRED")) {
    reasons.push("A member draws a pension");
  }
  return reasons;
}
