import type { LatticeCell, StatisticSpec, SumValue } from "../disclosure/types.js";

/**
 * A statistic as a register declares it: the whole lattice in ONE SQL statement (GROUPING SETS or
 * CUBE over fixed expressions: nothing from a request is ever spliced in), how its rows become
 * lattice cells, and its disclosure-control spec. The snapshot of a statistic is refreshed on a
 * schedule (see statistics-service.ts); requests are cut from the snapshot, never from the register.
 */
export interface StatisticDeclaration {
  /** The snapshot's name (the `statistics_snapshot` primary key): one per statistic of the register. */
  name: string;
  spec: StatisticSpec;
  /** The lattice statement. Its dimension columns are NULL exactly where the row is a total. */
  sql: string;
  /** Its parameters, read when the snapshot is refreshed (programme thresholds in force, say). */
  params?: () => unknown[];
  /**
   * The rows as lattices, by partition: a filter that is not a dimension (life status) gives one
   * lattice per value; a statistic without one has the single partition `""`.
   */
  cells(rows: readonly Record<string, unknown>[]): Record<string, LatticeCell[]>;
}

/** How the columns of a lattice row map to a cell; sums are `<prefix>_total`, `_contributors`, `_top`. */
export interface RowLayout {
  /** Dimension name → its column (NULL in the row: the total over that dimension). */
  dimensions: Record<string, string>;
  /** Count measure name → its column. */
  counts: Record<string, string>;
  /** Sum measure name → its columns' prefix; `_top` is the two largest contributions, an array. */
  sums?: Record<string, string>;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

function sumOf(row: Readonly<Record<string, unknown>>, prefix: string): SumValue {
  const top = (row[`${prefix}_top`] as unknown[] | null | undefined) ?? [];
  return {
    total: num(row[`${prefix}_total`]),
    contributors: num(row[`${prefix}_contributors`]),
    largest: num(top[0]),
    second: num(top[1]),
  };
}

/** One lattice row as a cell, by its layout. */
export function cellOf(row: Readonly<Record<string, unknown>>, layout: RowLayout): LatticeCell {
  const at: Record<string, string | null> = {};
  for (const [name, column] of Object.entries(layout.dimensions)) {
    const value = row[column];
    at[name] = value === null || value === undefined ? null : String(value);
  }
  const counts: Record<string, number> = {};
  for (const [name, column] of Object.entries(layout.counts)) {
    counts[name] = num(row[column]);
  }
  const sums: Record<string, SumValue> = {};
  for (const [name, prefix] of Object.entries(layout.sums ?? {})) {
    sums[name] = sumOf(row, prefix);
  }
  return { at, counts, sums };
}

/** A statistic without partitions: every row one cell of its single lattice. */
export function singleLattice(layout: RowLayout) {
  return (rows: readonly Record<string, unknown>[]): Record<string, LatticeCell[]> => ({
    "": rows.map((row) => cellOf(row, layout)),
  });
}

/** A statistic with one lattice per value of `column` (a filter that is not a dimension). */
export function latticesBy(column: string, layout: RowLayout) {
  return (rows: readonly Record<string, unknown>[]): Record<string, LatticeCell[]> => {
    const lattices: Record<string, LatticeCell[]> = {};
    for (const row of rows) {
      const key = String(row[column]);
      lattices[key] ??= [];
      lattices[key].push(cellOf(row, layout));
    }
    return lattices;
  };
}
