/**
 * Disclosure control over a statistic's whole lattice: what every answer of the statistic is cut from.
 *
 * For each measure: primary suppression (primary-suppression.ts), then secondary suppression over
 * the whole lattice, totals included (secondary-suppression.ts), so that whichever part of the
 * lattice a caller asks for, by one dimension or several, with or without totals, a cell has the
 * same value or the same `null` in every answer, and no hidden cell can be computed from what the
 * lattice publishes. Counts are protected first, then sums: a sum is hidden wherever the count of
 * its contributors (`countedBy`) is, then protected on its own lattice as well.
 *
 * The result depends on the values alone: cells are numbered from sorted categories, never from the
 * order the register's rows came in, and nothing is random.
 *
 * Time, measured on the 2-core machine (plain Node 20, other jobs running): populationStatistics'
 * lattice, (12+1)·(2+1)·(8+1)·(2+1) = 1,053 cells, over 3,000 generated persons (about half the
 * cells hidden, most leaf cells being under the threshold): 40–50 ms; over 200 to 10,000 persons,
 * 20–50 ms. The exact check is most of it. disclosure-properties.test.ts holds it under a second.
 * It runs once per statistics snapshot per process, not per request.
 */
import { answerer } from "./answer.js";
import { atOf, buildLattice, checkAdditive, type Lattice } from "./lattice.js";
import { countSuppression, sumSuppression } from "./primary-suppression.js";
import { type MeasureCells, secondarySuppression } from "./secondary-suppression.js";
import type {
  DisclosureRules,
  LatticeCell,
  MeasureSpec,
  ProtectedCell,
  ProtectedLattice,
  StatisticSpec,
  SuppressionReason,
} from "./types.js";

/** The value of one measure in every cell of the lattice, and which cells are not empty. */
function measureCells(lattice: Lattice, measure: MeasureSpec): MeasureCells {
  const values = new Float64Array(lattice.size);
  const hideable = new Uint8Array(lattice.size);
  for (const [id, cell] of lattice.input) {
    if (measure.kind === "count") {
      values[id] = cell.counts[measure.name] ?? 0;
      hideable[id] = values[id] === 0 ? 0 : 1;
    } else {
      const sum = cell.sums[measure.name];
      values[id] = sum?.total ?? 0;
      hideable[id] = (sum?.contributors ?? 0) > 0 || values[id] !== 0 ? 1 : 0;
    }
  }
  return { values, hideable };
}

function primaryOf(measure: MeasureSpec, cell: LatticeCell, rules: DisclosureRules): SuppressionReason | undefined {
  if (measure.kind === "count") {
    return countSuppression(measure, cell, rules);
  }
  const sum = cell.sums[measure.name];
  return sum ? sumSuppression(sum, rules) : undefined;
}

/** Each measure's reason for hiding each cell, `undefined` where it is published. */
function suppressionOf(
  spec: StatisticSpec,
  lattice: Lattice,
  rules: DisclosureRules,
): { reasons: Map<string, (SuppressionReason | undefined)[]>; fellBack: string[] } {
  const reasons = new Map<string, (SuppressionReason | undefined)[]>();
  const fellBack: string[] = [];
  const ordered = [
    ...spec.measures.filter((m) => m.kind === "count"),
    ...spec.measures.filter((m) => m.kind === "sum"),
  ];
  for (const measure of ordered) {
    const cells = measureCells(lattice, measure);
    checkAdditive(lattice, measure.name, cells.values);
    const reason = new Array<SuppressionReason | undefined>(lattice.size);
    const primary = new Uint8Array(lattice.size);
    for (const [id, cell] of lattice.input) {
      reason[id] = primaryOf(measure, cell, rules);
      primary[id] = reason[id] === undefined ? 0 : 1;
    }
    const counted = measure.kind === "sum" && measure.countedBy ? reasons.get(measure.countedBy) : undefined;
    for (let id = 0; id < lattice.size; id++) {
      if (counted?.[id] !== undefined && cells.hideable[id]) {
        primary[id] = 1;
      }
    }
    const secondary = secondarySuppression(lattice, cells, primary);
    const { hidden } = secondary;
    if (secondary.fellBack) {
      fellBack.push(measure.name);
    }
    for (let id = 0; id < lattice.size; id++) {
      if (hidden[id] && reason[id] === undefined) {
        reason[id] = "SECONDARY";
      }
    }
    reasons.set(measure.name, reason);
  }
  return { reasons, fellBack };
}

export function protect(spec: StatisticSpec, cells: readonly LatticeCell[], rules: DisclosureRules): ProtectedLattice {
  const lattice = buildLattice(spec, cells);
  const { reasons, fellBack } = suppressionOf(spec, lattice, rules);
  const ids = [...lattice.input.keys()].sort((a, b) => a - b);
  const published = new Map<number, ProtectedCell>();
  for (const id of ids) {
    const cell = lattice.input.get(id) as LatticeCell;
    const values: Record<string, number | null> = {};
    const suppressed: ProtectedCell["suppressed"] = [];
    for (const measure of spec.measures) {
      const reason = reasons.get(measure.name)?.[id];
      if (reason !== undefined) {
        values[measure.name] = null;
        suppressed.push(Object.freeze({ measure: measure.name, reason }));
      } else {
        values[measure.name] =
          measure.kind === "count" ? (cell.counts[measure.name] ?? 0) : (cell.sums[measure.name]?.total ?? 0);
      }
    }
    published.set(
      id,
      Object.freeze({ at: Object.freeze(atOf(lattice, id)), values: Object.freeze(values), suppressed }),
    );
  }
  return {
    cells: ids.map((id) => published.get(id) as ProtectedCell),
    fellBack,
    answer: answerer(lattice, published),
  };
}
