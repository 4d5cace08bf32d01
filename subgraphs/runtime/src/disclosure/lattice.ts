/**
 * The lattice a statistic's cells form, indexed for disclosure control.
 *
 * Every combination of a category or the total for each dimension is one cell, numbered in mixed
 * radix (the total of a dimension after its categories), whether the register returned it or not:
 * a cell it did not return is an empty one, a published zero an attacker knows as well as any other
 * value. A "line" is what an attacker can add up: a cell that is a total, or a category with parts
 * (nested bands), along one dimension, equals the sum of its parts along it, the other coordinates
 * unchanged. The lines are the equations the secondary suppression protects hidden cells against.
 */
import { compareCategories } from "./category-order.js";
import type { LatticeCell, StatisticSpec } from "./types.js";

/** A statistic's input that breaks the contract (a register's bug, never a caller's input). */
export class LatticeError extends Error {}

/** A total (or a category with parts) along one dimension and the cells it adds up. */
export interface Line {
  total: number;
  parts: readonly number[];
  /** The dimension it adds along (index in the spec). */
  dimension: number;
}

export interface LatticeDimension {
  name: string;
  /** Every category of every level, in the order of `compareCategories`; the total's index is their count. */
  categories: readonly string[];
  /** The parts of each category index (and of the total, last): empty for a leaf category. */
  partsOf: readonly (readonly number[])[];
}

export interface Lattice {
  dimensions: readonly LatticeDimension[];
  /** How many cells the whole lattice has, returned or not. */
  size: number;
  /** The cell's number per coordinate step along each dimension. */
  strides: readonly number[];
  /** The register's cells by number. */
  input: ReadonlyMap<number, LatticeCell>;
  lines: readonly Line[];
  /** The lines each cell is a member of (as total or part), by line index. */
  linesOf: readonly (readonly number[])[];
  /** The cell every coordinate of which is the total. */
  grandTotal: number;
}

/** Beyond this a statistic is a table builder, not a dashboard's fixed lattice. */
const MAX_CELLS = 200_000;
/** Nested categories deeper than this are a cycle in `parentOf`. */
const MAX_DEPTH = 32;

/** The coordinates (category index, or the dimension's category count for the total) of a cell. */
export function coordinatesOf(lattice: Lattice, id: number): number[] {
  return lattice.dimensions.map((dimension, d) => {
    const radix = dimension.categories.length + 1;
    return Math.floor(id / (lattice.strides[d] ?? 1)) % radix;
  });
}

function dimensionOf(spec: StatisticSpec, d: number, cells: readonly LatticeCell[]): LatticeDimension {
  const { name, parentOf } = spec.dimensions[d] ?? { name: "" };
  const seen = new Set<string>();
  const add = (category: string, depth: number): void => {
    if (seen.has(category)) {
      return;
    }
    if (depth > MAX_DEPTH) {
      throw new LatticeError(`the categories of ${name} nest deeper than ${MAX_DEPTH}: is parentOf a cycle?`);
    }
    seen.add(category);
    const parent = parentOf?.(category) ?? null;
    if (parent !== null) {
      add(parent, depth + 1);
    }
  };
  for (const cell of cells) {
    const category = cell.at[name];
    if (category !== null && category !== undefined) {
      add(category, 0);
    }
  }
  const categories = [...seen].sort(compareCategories);
  const index = new Map(categories.map((category, i) => [category, i]));
  const partsOf: number[][] = Array.from({ length: categories.length + 1 }, () => []);
  for (const [i, category] of categories.entries()) {
    const parent = parentOf?.(category) ?? null;
    partsOf[parent === null ? categories.length : (index.get(parent) ?? categories.length)]?.push(i);
  }
  return { name, categories, partsOf };
}

function checkSpec(spec: StatisticSpec): void {
  const names = spec.dimensions.map((d) => d.name);
  if (new Set(names).size !== names.length) {
    throw new LatticeError("a dimension is named twice");
  }
  const measures = new Map(spec.measures.map((m) => [m.name, m]));
  if (measures.size !== spec.measures.length) {
    throw new LatticeError("a measure is named twice");
  }
  for (const measure of spec.measures) {
    const other = measure.kind === "count" ? measure.subsetOf : measure.countedBy;
    if (other !== undefined && measures.get(other)?.kind !== "count") {
      throw new LatticeError(`${measure.name} refers to ${other}, which is not a count of the statistic`);
    }
  }
}

function checkCell(spec: StatisticSpec, cell: LatticeCell): void {
  const keys = Object.keys(cell.at);
  if (keys.length !== spec.dimensions.length || spec.dimensions.some((d) => !(d.name in cell.at))) {
    throw new LatticeError(`a cell's coordinates are ${keys.join(", ")}, not the statistic's dimensions`);
  }
  for (const measure of spec.measures) {
    if (measure.kind === "count") {
      const value = cell.counts[measure.name];
      if (value === undefined || !Number.isInteger(value) || value < 0) {
        throw new LatticeError(`${measure.name} is not a count in every cell`);
      }
    } else {
      const sum = cell.sums[measure.name];
      if (
        sum === undefined ||
        !Number.isFinite(sum.total) ||
        !Number.isInteger(sum.contributors) ||
        sum.contributors < 0 ||
        !(sum.largest >= sum.second && sum.second >= 0)
      ) {
        throw new LatticeError(`${measure.name} is not a sum with its contributors in every cell`);
      }
    }
  }
}

/** Indexes a statistic's cells and its lines; throws a LatticeError on input that breaks the contract. */
export function buildLattice(spec: StatisticSpec, cells: readonly LatticeCell[]): Lattice {
  checkSpec(spec);
  const dimensions = spec.dimensions.map((_d, i) => dimensionOf(spec, i, cells));
  const strides: number[] = [];
  let size = 1;
  for (let d = dimensions.length - 1; d >= 0; d--) {
    strides[d] = size;
    size *= (dimensions[d]?.categories.length ?? 0) + 1;
  }
  if (size > MAX_CELLS) {
    throw new LatticeError(`the lattice would have ${size} cells, more than ${MAX_CELLS}`);
  }
  const input = new Map<number, LatticeCell>();
  for (const cell of cells) {
    checkCell(spec, cell);
    let id = 0;
    for (const [d, dimension] of dimensions.entries()) {
      const category = cell.at[dimension.name] ?? null;
      const coordinate = category === null ? dimension.categories.length : dimension.categories.indexOf(category);
      id += coordinate * (strides[d] ?? 0);
    }
    if (input.has(id)) {
      throw new LatticeError("two cells have the same coordinates");
    }
    input.set(id, cell);
  }
  const lines: Line[] = [];
  const linesOf: number[][] = Array.from({ length: size }, () => []);
  const lattice = { dimensions, size, strides, input, lines, linesOf, grandTotal: size - 1 };
  for (let id = 0; id < size; id++) {
    const coordinates = coordinatesOf(lattice, id);
    for (const [d, dimension] of dimensions.entries()) {
      const coordinate = coordinates[d] ?? 0;
      const parts = dimension.partsOf[coordinate] ?? [];
      if (parts.length === 0) {
        continue;
      }
      const stride = strides[d] ?? 0;
      const line: Line = { total: id, parts: parts.map((part) => id + (part - coordinate) * stride), dimension: d };
      for (const member of [line.total, ...line.parts]) {
        linesOf[member]?.push(lines.length);
      }
      lines.push(line);
    }
  }
  return lattice;
}

/** The cell's position along each dimension, as the register names it (`null`: the total). */
export function atOf(lattice: Lattice, id: number): Record<string, string | null> {
  const coordinates = coordinatesOf(lattice, id);
  return Object.fromEntries(
    lattice.dimensions.map((dimension, d) => [dimension.name, dimension.categories[coordinates[d] ?? -1] ?? null]),
  );
}

/**
 * Throws unless every line of the values adds up: the equations secondary suppression protects
 * against are those of an additive statistic (counts of units each in one category, sums of
 * amounts), and a line that does not add up (a distinct count over months, a total the register
 * forgot) would make its protection a protection against the wrong equations. The message names
 * the measure and the line's place, never a value.
 */
export function checkAdditive(lattice: Lattice, measure: string, values: Float64Array): void {
  for (const line of lattice.lines) {
    let sum = 0;
    for (const part of line.parts) {
      sum += values[part] ?? 0;
    }
    const total = values[line.total] ?? 0;
    if (Math.abs(sum - total) > 1e-9 * Math.max(1, Math.abs(total))) {
      const at = atOf(lattice, line.total);
      const place = Object.entries(at)
        .map(([name, category]) => `${name}=${category ?? "total"}`)
        .join(", ");
      const along = lattice.dimensions[line.dimension]?.name;
      throw new LatticeError(`${measure} does not add up along ${along} at ${place}`);
    }
  }
}
