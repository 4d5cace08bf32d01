/**
 * Secondary suppression of one measure over its whole lattice, totals included: hides more cells
 * until no hidden cell can be computed from the published ones.
 *
 * 1. The singleton rule, until nothing changes: a line with exactly one hidden member (a part or its
 *    total) gives it away as total − parts, so another member is hidden: the smallest non-zero part,
 *    the total only when no part can be (hiding a total costs every answer that shows it).
 * 2. The exact check (derivable-cells.ts), which also sees what several lines give together (a
 *    hidden cell recomputed through two or three others). For each cell it finds, the smallest
 *    visible part of a line through it is hidden (or, if those lines hold no visible cell, of a
 *    line through the hidden cells they hold, and so on), at most one per line per round; then 1
 *    and 2 again.
 *
 * Ties go to the lower cell number, and the cells are numbered from the sorted categories, so the
 * pattern depends on the values alone. Empty cells (a count of 0, a sum without contributors) are
 * never hidden: they are published, and an attacker knows them anyway. If the rounds reach their cap, or a line has no member left to hide, the
 * whole measure is hidden except its grand total (and that too if the check still finds a hidden
 * cell derivable): less useful, never unsafe.
 *
 * Measured (populationStatistics' lattice of (12+1)·(2+1)·(8+1)·(2+1) = 1,053 cells over 3,000
 * persons, 2-core machine): see the header of protect.ts.
 */
import { derivableCells } from "./derivable-cells.js";
import type { Lattice, Line } from "./lattice.js";

export interface MeasureCells {
  /** The value of every cell of the lattice (0 where the register returned none). */
  values: Float64Array;
  /** 1 where the cell may be hidden: not an empty cell (a count of 0, a sum without contributors). */
  hideable: Uint8Array;
}

export interface SecondaryOptions {
  /** Rounds of the exact check before falling back to hiding the whole measure. */
  maxRounds?: number;
}

export interface SecondaryResult {
  /** 1 where the cell is hidden: the primary cells and those hidden here. */
  hidden: Uint8Array;
  /** Whether the cap was reached and the whole measure hidden but (maybe) its grand total. */
  fellBack: boolean;
}

/**
 * At most this many exact checks: over 4,000 statistics of the tests (random and population ones)
 * one needed 6 and most 1, and 16 checks of the population lattice stay under a second.
 */
const DEFAULT_MAX_ROUNDS = 16;

/** Whether `candidate` is a better cell to hide than `best`: smaller, or as small and numbered lower. */
function better(cells: MeasureCells, candidate: number, best: number | undefined): boolean {
  if (best === undefined) {
    return true;
  }
  const [a, b] = [cells.values[candidate] ?? 0, cells.values[best] ?? 0];
  return a < b || (a === b && candidate < best);
}

/** The smallest visible part that may be hidden (lowest number on ties), else undefined. */
function smallestPart(line: Line, cells: MeasureCells, hidden: Uint8Array, except: number): number | undefined {
  let best: number | undefined;
  for (const part of line.parts) {
    if (part !== except && !hidden[part] && cells.hideable[part] && better(cells, part, best)) {
      best = part;
    }
  }
  return best;
}

/** Runs the singleton rule until no line has exactly one hidden member; false if one cannot be fixed. */
function singletons(lattice: Lattice, cells: MeasureCells, hidden: Uint8Array): boolean {
  for (let changed = true; changed; ) {
    changed = false;
    for (const line of lattice.lines) {
      let count = hidden[line.total] ? 1 : 0;
      let alone = line.total;
      for (const part of line.parts) {
        if (hidden[part]) {
          count++;
          alone = part;
        }
      }
      if (count !== 1) {
        continue;
      }
      const partner =
        smallestPart(line, cells, hidden, alone) ??
        (alone !== line.total && cells.hideable[line.total] ? line.total : undefined);
      if (partner === undefined) {
        return false;
      }
      hidden[partner] = 1;
      changed = true;
    }
  }
  return true;
}

/**
 * The cell to hide to break a derivation of `cell`: the smallest visible part of a line through it,
 * else a visible total of one; when every member of those lines is hidden or empty, the same one
 * step further, through the lines of the hidden cells met (the derivation runs through them).
 */
function partnerOf(lattice: Lattice, cells: MeasureCells, hidden: Uint8Array, cell: number): number | undefined {
  const seenLines = new Set<number>();
  const seenCells = new Set<number>([cell]);
  for (let frontier = [cell]; frontier.length > 0; ) {
    const lines: number[] = [];
    for (const member of frontier) {
      for (const index of lattice.linesOf[member] ?? []) {
        if (!seenLines.has(index)) {
          seenLines.add(index);
          lines.push(index);
        }
      }
    }
    let best: number | undefined;
    for (const index of lines) {
      const part = smallestPart(lattice.lines[index] as Line, cells, hidden, cell);
      if (part !== undefined && better(cells, part, best)) {
        best = part;
      }
    }
    for (const index of best === undefined ? lines : []) {
      const total = (lattice.lines[index] as Line).total;
      if (!hidden[total] && cells.hideable[total] && better(cells, total, best)) {
        best = total;
      }
    }
    if (best !== undefined) {
      return best;
    }
    frontier = [];
    for (const index of lines) {
      const line = lattice.lines[index] as Line;
      for (const member of [line.total, ...line.parts]) {
        if (hidden[member] && !seenCells.has(member)) {
          seenCells.add(member);
          frontier.push(member);
        }
      }
    }
  }
  return undefined;
}

/** Hides a partner for each derivable cell, at most one per line per round; false if one has none. */
function breakDerivations(lattice: Lattice, cells: MeasureCells, hidden: Uint8Array, derivable: number[]): boolean {
  const touched = new Set<number>();
  for (const cell of derivable) {
    const through = lattice.linesOf[cell] ?? [];
    if (through.some((line) => touched.has(line))) {
      continue;
    }
    const partner = partnerOf(lattice, cells, hidden, cell);
    if (partner === undefined) {
      return false;
    }
    hidden[partner] = 1;
    for (const line of [...through, ...(lattice.linesOf[partner] ?? [])]) {
      touched.add(line);
    }
  }
  return true;
}

/** Hides every non-empty cell but the grand total, and that too if it still gives a cell away. */
function hideAll(lattice: Lattice, cells: MeasureCells, hidden: Uint8Array): void {
  for (let id = 0; id < lattice.size; id++) {
    if (cells.hideable[id] && id !== lattice.grandTotal) {
      hidden[id] = 1;
    }
  }
  if (derivableCells(lattice, hidden).length > 0 && cells.hideable[lattice.grandTotal]) {
    hidden[lattice.grandTotal] = 1;
  }
}

export function secondarySuppression(
  lattice: Lattice,
  cells: MeasureCells,
  primary: Uint8Array,
  options: SecondaryOptions = {},
): SecondaryResult {
  const hidden = Uint8Array.from(primary);
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  for (let round = 0; round < maxRounds; round++) {
    if (!singletons(lattice, cells, hidden)) {
      break;
    }
    const derivable = derivableCells(lattice, hidden);
    if (derivable.length === 0) {
      return { hidden, fellBack: false };
    }
    if (!breakDerivations(lattice, cells, hidden, derivable)) {
      break;
    }
  }
  hideAll(lattice, cells, hidden);
  return { hidden, fellBack: true };
}
