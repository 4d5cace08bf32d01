import type { ProtectedCell, SuppressionReason } from "../disclosure/types.js";
import type { StatisticSnapshot } from "./statistics-service.js";

/** A cell as the statistics fields serve it: its categories, values (null: hidden), why hidden. */
export interface AnswerCell {
  at: Record<string, string | null>;
  values: Record<string, number | null>;
  suppressed: { measure: string; reason: SuppressionReason }[];
  /** A total over at least one of the requested dimensions. */
  isTotal: boolean;
  /** When the snapshot the answer is cut from was computed. */
  computedAt: Date;
}

/** The cells answering `by` (with every total over a subset of `by` when `totals`). */
export function answerCells(snapshot: StatisticSnapshot, by: readonly string[], totals: boolean): AnswerCell[] {
  const dimensions = [...new Set(by)];
  return snapshot.lattice.answer(dimensions, { totals }).map((cell: ProtectedCell) => ({
    ...cell,
    isTotal: dimensions.some((dimension) => cell.at[dimension] === null),
    computedAt: snapshot.computedAt,
  }));
}
