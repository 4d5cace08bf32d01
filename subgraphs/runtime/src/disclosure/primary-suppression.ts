/**
 * Primary suppression: the cells that may not be published on their own, whatever else is.
 *
 * - A count from 1 to threshold − 1 (SMALL_COUNT): "3 households in this douar" is about those 3.
 * - A count whose complement in the count it is a subset of is that small (COMPLEMENT): "all but 2
 *   of the scored households are eligible" tells as much about the 2 as "2 are not".
 * - A sum over 1 to threshold − 1 contributors (SMALL_COUNT), whatever its value, even 0.
 * - A sum failing the p% rule (DOMINANCE): total − largest − second < p/100 × largest, i.e. the second
 *   contributor, subtracting its own share, would know the largest within p%. Computed over the
 *   cell's own contributions as the register gives them (for a total: each unit's whole amount).
 *
 * Zero is published: an empty cell protects no one, and empty cells are known anyway (every cell
 * the register did not return is one).
 */
import type { CountMeasure, DisclosureRules, LatticeCell, SumValue, SuppressionReason } from "./types.js";

const small = (value: number, rules: DisclosureRules): boolean => value >= 1 && value < rules.threshold;

export function countSuppression(
  measure: CountMeasure,
  cell: LatticeCell,
  rules: DisclosureRules,
): SuppressionReason | undefined {
  const value = cell.counts[measure.name] ?? 0;
  if (small(value, rules)) {
    return "SMALL_COUNT";
  }
  if (measure.subsetOf !== undefined && small((cell.counts[measure.subsetOf] ?? 0) - value, rules)) {
    return "COMPLEMENT";
  }
  return undefined;
}

export function sumSuppression(sum: SumValue, rules: DisclosureRules): SuppressionReason | undefined {
  if (small(sum.contributors, rules)) {
    return "SMALL_COUNT";
  }
  if (sum.total - sum.largest - sum.second < (rules.dominancePercent / 100) * sum.largest) {
    return "DOMINANCE";
  }
  return undefined;
}
