import { type AmoRules, addMonths, rulesOn } from "./amo-rules.js";

/*
 * AMO Achamil (law 60.22): for persons able to pay who have no activity, paid or unpaid. Rights
 * open only once the first contribution is paid, after the waiting period (art. 7), which law 21.24
 * waives for former AMO-Tadamon members. Until then the affiliation is PENDING without rights.
 */

/** Why a person's declared occupation bars AMO Achamil, or null when it does not. */
export function achamilActivityRefusal(occupation: string | null | undefined, rules: AmoRules): string | null {
  if (!rules.achamil) {
    return `AMO Achamil does not exist before the rules of ${rules.effectiveFrom} are superseded`;
  }
  if (!occupation) {
    return "AMO Achamil needs the social register's declaration of the person's occupation";
  }
  return rules.achamil.noActivityOccupations.includes(occupation)
    ? null
    : `AMO Achamil is for persons with no activity; the declared occupation is ${occupation}`;
}

/**
 * The day rights open for a first contribution paid on `paidOn`, under the rules in force that day;
 * a string when the regime did not exist yet.
 */
export function achamilRightsFrom(
  rules: readonly AmoRules[],
  paidOn: Date,
  formerTadamon: boolean,
): { rightsFrom: Date; waived: boolean } | { refused: string } {
  const inForce = rulesOn(rules, paidOn)?.achamil;
  if (!inForce) {
    return { refused: "AMO Achamil did not exist on the day of this payment" };
  }
  const day = new Date(Date.UTC(paidOn.getUTCFullYear(), paidOn.getUTCMonth(), paidOn.getUTCDate()));
  if (formerTadamon && inForce.waiverForFormerTadamon) {
    return { rightsFrom: day, waived: true };
  }
  return { rightsFrom: addMonths(day, inForce.waitingMonths), waived: false };
}
