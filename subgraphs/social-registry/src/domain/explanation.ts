import { fromFixed7, isEligible, type Program, type ThresholdRule, toFixed7 } from "@spx/reference/thresholds";
import type { Contribution } from "./index-model.js";

export interface ExplanationFactor {
  label: string;
  contribution: number;
  direction: "RAISES" | "LOWERS";
}

export interface Explanation {
  program: Program;
  eligible: boolean;
  score: string;
  threshold: string;
  distance: string;
  summary: string;
  factors: ExplanationFactor[];
}

const PROGRAM_NAMES: Record<Program, string> = {
  AMO_TADAMON: "AMO-Tadamon",
  DIRECT_AID: "direct social aid",
  AMO_ACHAMIL: "AMO Achamil",
};

const FACTORS = 3;

/**
 * Why a household is or is not eligible, in words a case worker can read out: where the index
 * stands against the threshold, and the household characteristics that weigh most on it.
 */
export function explainEligibility(
  program: Program,
  result: { score: string; contributions: readonly Contribution[] },
  rule: ThresholdRule,
): Explanation {
  const eligible = isEligible(result.score, rule);
  const distance = toFixed7(result.score) - toFixed7(rule.threshold);
  const factors = result.contributions
    .filter((c) => c.variable !== "constant" && c.variable !== "region" && c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, FACTORS)
    .map((c) => ({
      label: c.label,
      contribution: c.contribution,
      direction: c.contribution > 0 ? ("RAISES" as const) : ("LOWERS" as const),
    }));
  const name = PROGRAM_NAMES[program];
  const abs = fromFixed7(distance < 0n ? -distance : distance);
  const position =
    distance === 0n
      ? `exactly at the ${name} threshold ${rule.threshold}`
      : `${abs} ${distance < 0n ? "below" : "above"} the ${name} threshold ${rule.threshold}`;
  const rule_ = rule.comparison === "AT_OR_BELOW" ? "at or below" : "above";
  const raises = factors.filter((f) => f.direction === "RAISES").map((f) => f.label);
  const lowers = factors.filter((f) => f.direction === "LOWERS").map((f) => f.label);
  const parts = [
    `The household's index is ${result.score}, ${position}, so it is ${eligible ? "eligible" : "not eligible"} (${name} requires an index ${rule_} the threshold).`,
  ];
  if (raises.length > 0) {
    parts.push(`What raises the index most: ${raises.join(", ")}.`);
  }
  if (lowers.length > 0) {
    parts.push(`What lowers it most: ${lowers.join(", ")}.`);
  }
  return {
    program,
    eligible,
    score: result.score,
    threshold: rule.threshold,
    distance: fromFixed7(distance),
    summary: parts.join(" "),
    factors,
  };
}
