import { isEligible, type Program, type ThresholdRule, thresholdOn } from "@spx/reference/thresholds";

/** What made the index in force change. */
export type EligibilityCause = "DECLARATION" | "REVISION" | "RECOMPUTE";

export const PROGRAMS: readonly Program[] = ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"];

/** The data of an `eligibility.changed` event (contract section 2). */
export interface EligibilityChanged {
  householdId: string;
  program: Program;
  eligible: boolean;
  /** null for a household's first index. */
  previouslyEligible: boolean | null;
  score: string;
  threshold: string;
  modelVersion: string;
  cause: EligibilityCause;
}

/**
 * The programmes whose eligibility a new index flips, judged with the thresholds in force on the
 * day of the change for both the index replaced and the new one (what changed is the score, not
 * the rule): one change per programme that flips, one per programme for a first index, none when
 * nothing flips. A programme with no threshold in force on that day is left out.
 */
export function eligibilityChanges(
  rules: readonly ThresholdRule[],
  householdId: string,
  previous: { score: string } | null,
  next: { score: string; modelVersion: string },
  cause: EligibilityCause,
  on: Date,
): EligibilityChanged[] {
  return PROGRAMS.flatMap((program) => {
    const rule = thresholdOn(rules, program, on);
    if (!rule) {
      return [];
    }
    const eligible = isEligible(next.score, rule);
    const previouslyEligible = previous ? isEligible(previous.score, rule) : null;
    if (previouslyEligible === eligible) {
      return [];
    }
    return [
      {
        householdId,
        program,
        eligible,
        previouslyEligible,
        score: next.score,
        threshold: rule.threshold,
        modelVersion: next.modelVersion,
        cause,
      },
    ];
  });
}
