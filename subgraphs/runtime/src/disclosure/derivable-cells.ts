/**
 * Which hidden cells an attacker can compute exactly from the published ones and the lattice's lines.
 *
 * Every line says total = Σ parts. With the published cells moved to the constant side, the lines
 * that hold a hidden cell are a linear system over the hidden cells. A hidden cell x_i is determined
 * by it iff its unit vector lies in the system's row space: in reduced row echelon form, column i is
 * a pivot and its pivot row has no other non-zero entry (a free column there would let x_i move).
 * Only the coefficients (+1 for a part, −1 for the total) matter, not the values.
 *
 * Arithmetic: exact, over the integers. Fraction-free Gauss–Jordan (a row is scaled, never
 * divided, and divided by the gcd of its entries when it was scaled or its entries grew) keeps
 * every entry an integer, held in a double while it is below 2^53 (checked before each step from
 * the rows' largest entries). The rows are sparse (a line has a few parts), kept as sorted
 * (column, value) lists. Entries stay tiny in practice: a lattice's equations are close to a
 * network's, and most pivots are ±1. Should one outgrow a double all the same, nothing is proved
 * and every hidden cell is reported derivable, which hides more (in the end, the whole measure):
 * never a wrong "not derivable", which would be a disclosure.
 * Rejected: rationals over bigint (exact too, but an allocation per operation, for entries that fit
 * a double); elimination modulo a prime (tried: it agreed on 1,208 systems, but a cell is missed
 * when the prime divides the determinant its derivation needs: unlikely, not impossible; and it was
 * no faster); floating point (rounding errs in both directions).
 */
import type { Lattice } from "./lattice.js";

/** A row of the system: its non-zero entries, by ascending column. */
interface Row {
  columns: number[];
  values: number[];
  /** The largest |value|. */
  largest: number;
}

/** Beyond this an entry's products could leave the integers a double holds exactly. */
const SAFE = 2 ** 53;

// Plain arithmetic, not Math.abs and Math.max, in the loops: a global's lookup costs several times
// more inside a vm context (Jest's), and these run ~10^5 times per lattice.
const magnitude = (v: number): number => (v < 0 ? -v : v);

/** After the last column of a row, in a merge. */
const END = 2 ** 31;

function gcd(a: number, b: number): number {
  let x = magnitude(a);
  let y = magnitude(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** The rows (one per line holding a hidden cell) over the hidden cells' columns. */
function systemOf(lattice: Lattice, column: Int32Array): Row[] {
  const rows: Row[] = [];
  for (const line of lattice.lines) {
    const entries = new Map<number, number>();
    const total = column[line.total] ?? -1;
    if (total >= 0) {
      entries.set(total, -1);
    }
    for (const part of line.parts) {
      const c = column[part] ?? -1;
      if (c >= 0) {
        entries.set(c, (entries.get(c) ?? 0) + 1);
      }
    }
    const columns = [...entries.keys()].filter((c) => entries.get(c) !== 0).sort((a, b) => a - b);
    if (columns.length > 0) {
      rows.push({ columns, values: columns.map((c) => entries.get(c) ?? 0), largest: 1 });
    }
  }
  return rows;
}

/** The row's entry in column c (0 if none). */
function entryAt(row: Row, c: number): number {
  let [low, high] = [0, row.columns.length - 1];
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = row.columns[middle] ?? 0;
    if (at === c) {
      return row.values[middle] ?? 0;
    }
    if (at < c) {
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return 0;
}

/** Entries up to this are left as they are; larger ones make the row divided by its entries' gcd. */
const SMALL_ENTRY = 2 ** 20;

/** scale·a − times·b; divided by the gcd of its entries when it was scaled or its entries grew. */
function combine(a: Row, scale: number, b: Row, times: number): Row {
  const columns: number[] = [];
  const values: number[] = [];
  let largest = 0;
  let i = 0;
  let j = 0;
  while (i < a.columns.length || j < b.columns.length) {
    const ca = i < a.columns.length ? (a.columns[i] ?? 0) : END;
    const cb = j < b.columns.length ? (b.columns[j] ?? 0) : END;
    let value = 0;
    let c = ca;
    if (ca <= cb) {
      value = scale * (a.values[i] ?? 0);
      i++;
    }
    if (cb <= ca) {
      value -= times * (b.values[j] ?? 0);
      c = cb;
      j++;
    }
    if (value !== 0) {
      columns.push(c);
      values.push(value);
      const size = magnitude(value);
      if (size > largest) {
        largest = size;
      }
    }
  }
  if (scale !== 1 || largest > SMALL_ENTRY) {
    let divisor = 0;
    for (const value of values) {
      divisor = gcd(divisor, value);
    }
    if (divisor > 1) {
      for (let k = 0; k < values.length; k++) {
        values[k] = (values[k] ?? 0) / divisor;
      }
      largest /= divisor;
    }
  }
  return { columns, values, largest };
}

/** Which of n unknowns the rows determine; undefined if an entry would outgrow a double's integers. */
function determined(input: readonly Row[], n: number, limit: number): boolean[] | undefined {
  const rows = [...input];
  const pivotOfRow: number[] = [];
  let rank = 0;
  for (let c = 0; c < n && rank < rows.length; c++) {
    // Rows below the rank are zero before c: a candidate starts at c. The smallest entry is the
    // pivot, so that multipliers stay small.
    let r = -1;
    for (let i = rank; i < rows.length; i++) {
      const row = rows[i] as Row;
      if (row.columns[0] === c && (r < 0 || magnitude(row.values[0] ?? 0) < magnitude(rows[r]?.values[0] ?? 0))) {
        r = i;
      }
    }
    if (r < 0) {
      continue;
    }
    const pivotRow = rows[r] as Row;
    rows[r] = rows[rank] as Row;
    rows[rank] = pivotRow;
    const pivot = pivotRow.values[0] ?? 1;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const f = i === rank ? 0 : i > rank ? (row.columns[0] === c ? (row.values[0] ?? 0) : 0) : entryAt(row, c);
      if (f === 0) {
        continue;
      }
      // row ← (pivot/g)·row − (f/g)·pivotRow: column c becomes 0, every entry stays an integer.
      const g = gcd(pivot, f);
      const [scale, times] = [pivot / g, f / g];
      if (magnitude(scale) * row.largest + magnitude(times) * pivotRow.largest >= limit) {
        return undefined;
      }
      rows[i] = combine(row, scale, pivotRow, times);
    }
    pivotOfRow.push(c);
    rank++;
  }
  const result = new Array<boolean>(n).fill(false);
  for (let r = 0; r < rank; r++) {
    if (rows[r]?.columns.length === 1) {
      result[pivotOfRow[r] ?? 0] = true;
    }
  }
  return result;
}

/**
 * The hidden cells (ascending) that the published cells and the lines determine; all of them if
 * the arithmetic would leave the integers a double holds (`limit`, lowered by tests only).
 */
export function derivableCells(lattice: Lattice, hidden: Uint8Array, limit = SAFE): number[] {
  const column = new Int32Array(lattice.size).fill(-1);
  const cells: number[] = [];
  for (let id = 0; id < lattice.size; id++) {
    if (hidden[id]) {
      column[id] = cells.length;
      cells.push(id);
    }
  }
  if (cells.length === 0) {
    return [];
  }
  const verdict = determined(systemOf(lattice, column), cells.length, limit);
  return verdict ? cells.filter((_id, i) => verdict[i]) : cells;
}
