/**
 * The contract between the registers' statistics and disclosure control (see protect.ts).
 *
 * A statistic is a lattice: every combination of a category (or the total, `null`) for each of its
 * dimensions, each cell holding its measures. The registers compute the whole lattice in SQL
 * (GROUPING SETS), so that totals hold what a total needs (distinct contributors, the largest
 * contributions), and disclosure control runs once over all of it: whichever part of the lattice a
 * caller asks for, the same cells are hidden, so asking twice or with and without a dimension tells
 * nothing more.
 */

/** A dimension of a statistic. */
export interface DimensionSpec {
  name: string;
  /**
   * For nested categories (index bands of 0.25 within bands of 0.5 within bands of 1): the category
   * a category is part of, or `null` when it is a part of the total. Absent: every category is a
   * part of the total (a flat dimension).
   */
  parentOf?: (category: string) => string | null;
}

/** A count of units (persons, households, beneficiaries): additive along every dimension. */
export interface CountMeasure {
  kind: "count";
  name: string;
  /**
   * The count of the same cell this one is a subset of (eligible households of scored ones): the
   * complement (the other count minus this one) must not be a small count either.
   */
  subsetOf?: string;
}

/** A sum over contributing units (amounts over households, members over households). */
export interface SumMeasure {
  kind: "sum";
  name: string;
  /**
   * The count measure that counts this sum's contributors (households paid for the amounts paid):
   * wherever that count is hidden, the sum is hidden too, because amounts that follow a schedule
   * give the count back (sum ÷ usual amount). Absent: the sum is protected on its own.
   */
  countedBy?: string;
}

export type MeasureSpec = CountMeasure | SumMeasure;

export interface StatisticSpec {
  dimensions: DimensionSpec[];
  measures: MeasureSpec[];
}

/** A sum's cell: its total and what the dominance rule needs, all computed over the cell's own units. */
export interface SumValue {
  total: number;
  /** Distinct units contributing (households paid), which the threshold applies to. */
  contributors: number;
  /** The largest and second largest contribution of one unit to this cell (0 if none). */
  largest: number;
  second: number;
}

/** One cell of the lattice as the register computed it. */
export interface LatticeCell {
  /** The category of each dimension (by name); `null`: the total over that dimension. */
  at: Record<string, string | null>;
  /** Every count measure of the spec, by name. */
  counts: Record<string, number>;
  /** Every sum measure of the spec, by name. */
  sums: Record<string, SumValue>;
}

/** The catalogue's `disclosure` settings. */
export interface DisclosureRules {
  /** Counts (and contributors of sums) from 1 to threshold − 1 are never published. */
  threshold: number;
  /**
   * p of the p% rule: a sum is hidden when total − largest − second < p/100 × largest, i.e. the
   * second contributor could estimate the largest within p%.
   */
  dominancePercent: number;
}

export type SuppressionReason =
  /** A count from 1 to threshold − 1, or a sum over that few contributors. */
  | "SMALL_COUNT"
  /** A count whose complement in the count it is a subset of is a small count. */
  | "COMPLEMENT"
  /** A sum dominated by one or two contributors (p% rule). */
  | "DOMINANCE"
  /** Safe on its own, hidden so that a hidden cell cannot be recomputed from totals. */
  | "SECONDARY";

/** A cell as it may be published: a hidden measure is null, with the reason. */
export interface ProtectedCell {
  at: Record<string, string | null>;
  values: Record<string, number | null>;
  suppressed: { measure: string; reason: SuppressionReason }[];
}

/** The whole lattice after disclosure control: what every answer is cut from. */
export interface ProtectedLattice {
  readonly cells: readonly ProtectedCell[];
  /**
   * The measures whose secondary suppression reached its cap and fell back to hiding every cell but
   * the grand total: safe, but worth a warning in the register's log (names only, never values).
   */
  readonly fellBack: readonly string[];
  /**
   * The cells of an answer grouped by `by` (flat dimensions): every dimension of `by` a category
   * and the others total; with `totals`, also the cells where any of `by` is total (row, column and
   * grand totals). In a stable order: categories ascending, a total after its parts.
   */
  answer(by: readonly string[], options?: { totals?: boolean }): ProtectedCell[];
}
