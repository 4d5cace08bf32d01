import type { DimensionSpec, ProtectedCell, StatisticSpec } from "../disclosure/types.js";

/**
 * An attacker, written apart from the implementation and by another route: it sees the published
 * lattice (every cell the register returned, with its nulls; any other cell is an empty one, 0),
 * knows that every cell is the sum of the leaf cells under it, and asks which hidden cells the
 * published ones determine. The unknowns are the leaf cells (not the hidden cells, as in
 * derivable-cells.ts), the arithmetic exact fractions over bigint (not residues): a hidden cell is
 * derivable iff its leaf vector is in the span of the published cells' leaf vectors.
 */

function leavesUnder(dimension: DimensionSpec, categories: readonly string[], at: string | null): string[] {
  const parent = (c: string) => dimension.parentOf?.(c) ?? null;
  const isLeaf = (c: string) => !categories.some((other) => parent(other) === c);
  const under = (c: string): boolean => {
    for (let p: string | null = c; p !== null; p = parent(p)) {
      if (p === at) {
        return true;
      }
    }
    return false;
  };
  return categories.filter((c) => isLeaf(c) && (at === null || under(c)));
}

function categoriesOf(dimension: DimensionSpec, cells: readonly ProtectedCell[]): string[] {
  const seen = new Set<string>();
  for (const cell of cells) {
    for (let c = cell.at[dimension.name] ?? null; c !== null && !seen.has(c); c = dimension.parentOf?.(c) ?? null) {
      seen.add(c);
    }
  }
  return [...seen].sort();
}

const gcd = (a: bigint, b: bigint): bigint => {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) {
    [x, y] = [y, x % y];
  }
  return x;
};

/** Row-reduces integer rows (fraction-free, each row divided by its gcd): an echelon basis with pivots. */
function echelon(rows: bigint[][]): { basis: bigint[][]; pivots: number[] } {
  const basis: bigint[][] = [];
  const pivots: number[] = [];
  for (const input of rows) {
    const row = reduce(input, basis, pivots);
    const pivot = row.findIndex((v) => v !== 0n);
    if (pivot >= 0) {
      basis.push(row);
      pivots.push(pivot);
    }
  }
  return { basis, pivots };
}

function reduce(input: readonly bigint[], basis: readonly bigint[][], pivots: readonly number[]): bigint[] {
  let row = [...input];
  for (const [i, b] of basis.entries()) {
    const p = pivots[i] ?? 0;
    const f = row[p] ?? 0n;
    if (f === 0n) {
      continue;
    }
    const q = b[p] ?? 1n;
    row = row.map((v, k) => v * q - f * (b[k] ?? 0n));
    const g = row.reduce((a, v) => gcd(a, v), 0n);
    if (g > 1n) {
      row = row.map((v) => v / g);
    }
  }
  return row;
}

/** For each measure, the coordinates (JSON of `at`) of the hidden cells the published ones determine. */
export function derivableByAttacker(spec: StatisticSpec, published: readonly ProtectedCell[]): Map<string, string[]> {
  const categories = spec.dimensions.map((d) => categoriesOf(d, published));
  // Every cell of the lattice, returned or not.
  let all: (string | null)[][] = [[]];
  for (const [d] of spec.dimensions.entries()) {
    all = all.flatMap((prefix) => [...(categories[d] ?? []), null].map((c) => [...prefix, c]));
  }
  const leafSets = spec.dimensions.map((d, i) => leavesUnder(d, categories[i] ?? [], null));
  const leafKeys: string[] = [];
  let leafCombos: string[][] = [[]];
  for (const leaves of leafSets) {
    leafCombos = leafCombos.flatMap((prefix) => leaves.map((leaf) => [...prefix, leaf]));
  }
  for (const combo of leafCombos) {
    leafKeys.push(JSON.stringify(combo));
  }
  const column = new Map(leafKeys.map((key, i) => [key, i]));
  const vectorOf = (coordinates: (string | null)[]): bigint[] => {
    let combos: string[][] = [[]];
    for (const [d, dimension] of spec.dimensions.entries()) {
      const leaves = leavesUnder(dimension, categories[d] ?? [], coordinates[d] ?? null);
      combos = combos.flatMap((prefix) => leaves.map((leaf) => [...prefix, leaf]));
    }
    const vector = new Array<bigint>(leafKeys.length).fill(0n);
    for (const combo of combos) {
      vector[column.get(JSON.stringify(combo)) ?? 0] = 1n;
    }
    return vector;
  };
  const byKey = new Map(
    published.map((cell) => [JSON.stringify(spec.dimensions.map((d) => cell.at[d.name] ?? null)), cell]),
  );
  const result = new Map<string, string[]>();
  for (const measure of spec.measures) {
    const known: bigint[][] = [];
    const hidden: { key: string; vector: bigint[] }[] = [];
    for (const coordinates of all) {
      const key = JSON.stringify(coordinates);
      const cell = byKey.get(key);
      if (cell && cell.values[measure.name] === null) {
        hidden.push({ key, vector: vectorOf(coordinates) });
      } else {
        known.push(vectorOf(coordinates));
      }
    }
    const { basis, pivots } = echelon(known);
    result.set(
      measure.name,
      hidden.filter(({ vector }) => reduce(vector, basis, pivots).every((v) => v === 0n)).map(({ key }) => key),
    );
  }
  return result;
}
