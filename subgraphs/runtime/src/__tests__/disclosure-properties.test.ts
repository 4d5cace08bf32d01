import { derivableCells } from "../disclosure/derivable-cells.js";
import { protect } from "../disclosure/index.js";
import { buildLattice } from "../disclosure/lattice.js";
import { secondarySuppression } from "../disclosure/secondary-suppression.js";
import type { LatticeCell, ProtectedCell, ProtectedLattice, StatisticSpec } from "../disclosure/types.js";
import { derivableByAttacker } from "./disclosure-checker.js";
import { populationCube, randomCube, seeded } from "./disclosure-cubes.js";

/**
 * Properties of disclosure control over random statistics (seeded: a failure names its seed), each
 * checked against the register's own cells and by an attacker written apart (disclosure-checker.ts).
 */

const RULES = { threshold: 10, dominancePercent: 15 };
const CUBES = 120;

const keyOf = (at: Record<string, string | null>) => JSON.stringify(Object.entries(at).sort());

function inputByKey(cells: readonly LatticeCell[]): Map<string, LatticeCell> {
  return new Map(cells.map((cell) => [keyOf(cell.at), cell]));
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Every answer a caller can ask for: each subset of the dimensions, with and without totals. */
function everyAnswer(spec: StatisticSpec, lattice: ProtectedLattice): ProtectedCell[][] {
  const names = spec.dimensions.map((d) => d.name);
  const answers: ProtectedCell[][] = [];
  for (let mask = 0; mask < 1 << names.length; mask++) {
    const by = names.filter((_n, i) => mask & (1 << i));
    answers.push(lattice.answer(by), lattice.answer(by, { totals: true }));
  }
  return answers;
}

const small = (value: number) => value >= 1 && value < RULES.threshold;

describe.each(Array.from({ length: CUBES }, (_x, i) => 1000 + i))("random statistic (seed %i)", (seed) => {
  const random = seeded(seed);
  const { spec, cells } = randomCube(random);
  const lattice = protect(spec, cells, RULES);
  const input = inputByKey(cells);

  it("publishes no count from 1 to threshold − 1, nor one whose complement is, in any answer", () => {
    for (const answer of everyAnswer(spec, lattice)) {
      for (const cell of answer) {
        const raw = input.get(keyOf(cell.at)) as LatticeCell;
        const { units, flagged } = cell.values;
        expect(units).not.toBeUndefined();
        expect(flagged).not.toBeUndefined();
        if (units !== null && units !== undefined) {
          expect(small(units)).toBe(false);
          expect(units).toBe(raw.counts.units);
        }
        if (flagged !== null && flagged !== undefined) {
          expect(small(flagged)).toBe(false);
          expect(small((raw.counts.units ?? 0) - flagged)).toBe(false);
        }
      }
    }
  });

  it("publishes a sum only over enough contributors and not dominated, and never where its count is hidden", () => {
    for (const cell of lattice.cells) {
      const raw = input.get(keyOf(cell.at)) as LatticeCell;
      for (const name of ["paid", "arrears"]) {
        const sum = raw.sums[name];
        if (cell.values[name] !== null && sum) {
          expect(cell.values[name]).toBe(sum.total);
          expect(small(sum.contributors)).toBe(false);
          expect(sum.total - sum.largest - sum.second).toBeGreaterThanOrEqual(
            (RULES.dominancePercent / 100) * sum.largest,
          );
        }
      }
      if (cell.values.units === null) {
        expect(cell.values.paid).toBeNull();
      }
    }
  });

  it("leaves no hidden cell derivable from the published lattice", () => {
    expect(lattice.fellBack).toEqual([]);
    for (const [measure, derivable] of derivableByAttacker(spec, lattice.cells)) {
      expect({ measure, derivable }).toEqual({ measure, derivable: [] });
    }
  });

  it("gives the same pattern whatever order the cells come in, and each cell the same in every answer", () => {
    const again = protect(spec, shuffled(cells, seeded(seed + 1)), RULES);
    expect(again.cells).toEqual(lattice.cells);
    const seen = new Map<string, ProtectedCell>();
    for (const answer of everyAnswer(spec, again)) {
      for (const cell of answer) {
        const before = seen.get(keyOf(cell.at));
        if (before) {
          expect(cell).toEqual(before);
        }
        seen.set(keyOf(cell.at), cell);
      }
    }
    expect(seen.size).toBe(cells.length);
  });
});

describe("the attacker", () => {
  it("finds a small cell that only primary suppression hid: it is its row total minus the others", () => {
    const spec: StatisticSpec = { dimensions: [{ name: "row" }], measures: [{ kind: "count", name: "units" }] };
    const cell = (row: string | null, units: number | null): ProtectedCell => ({
      at: { row },
      values: { units },
      suppressed: units === null ? [{ measure: "units", reason: "SMALL_COUNT" }] : [],
    });
    expect(derivableByAttacker(spec, [cell("A", null), cell("B", 20), cell(null, 23)]).get("units")).toEqual([
      JSON.stringify(["A"]),
    ]);
    expect(derivableByAttacker(spec, [cell("A", null), cell("B", null), cell(null, 23)]).get("units")).toEqual([]);
  });
});

describe("the population lattice (12 regions × 2 sexes × 8 age bands × 2 milieus, 3,000 persons)", () => {
  const cubes = [1, 2, 3].map((seed) => populationCube(3_000, seed));

  it("is protected in well under a second, and no hidden cell is derivable", () => {
    for (const { spec, cells } of cubes) {
      const started = performance.now();
      const lattice = protect(spec, cells, RULES);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(1_000);
      expect(lattice.fellBack).toEqual([]);
      expect(derivableByAttacker(spec, lattice.cells).get("units")).toEqual([]);
      expect(lattice.cells.some((c) => c.values.units === null)).toBe(true);
      expect(lattice.cells.filter((c) => small(c.values.units ?? 0))).toEqual([]);
      expect(lattice.answer([])[0]?.values.units).toBe(3_000);
    }
  });

  it("falls back, when the rounds are capped, to hiding every non-empty cell but the grand total", () => {
    const { spec, cells } = cubes[0] as (typeof cubes)[number];
    const built = buildLattice(spec, cells);
    const values = new Float64Array(built.size);
    for (const [id, cell] of built.input) {
      values[id] = cell.counts.units ?? 0;
    }
    const hideable = values.map((v) => (v === 0 ? 0 : 1));
    const { hidden, fellBack } = secondarySuppression(
      built,
      { values, hideable: Uint8Array.from(hideable) },
      new Uint8Array(built.size),
      { maxRounds: 0 },
    );
    expect(fellBack).toBe(true);
    for (let id = 0; id < built.size; id++) {
      expect(hidden[id]).toBe(id === built.grandTotal || values[id] === 0 ? 0 : 1);
    }
  });

  it("reports every hidden cell derivable when its arithmetic would leave a double's integers", () => {
    // The 2×2 interior hidden, its margins published: nothing derivable, unless nothing can be proved.
    const spec: StatisticSpec = {
      dimensions: [{ name: "a" }, { name: "b" }],
      measures: [{ kind: "count", name: "units" }],
    };
    const at = (a: string | null, b: string | null, units: number): LatticeCell => ({
      at: { a, b },
      counts: { units },
      sums: {},
    });
    const built = buildLattice(spec, [
      at("1", "1", 4),
      at("1", "2", 30),
      at("2", "1", 25),
      at("2", "2", 41),
      at("1", null, 34),
      at("2", null, 66),
      at(null, "1", 29),
      at(null, "2", 71),
      at(null, null, 100),
    ]);
    const interior = [0, 1, 3, 4];
    const hidden = new Uint8Array(built.size);
    for (const id of interior) {
      hidden[id] = 1;
    }
    expect(derivableCells(built, hidden)).toEqual([]);
    expect(derivableCells(built, hidden, 1)).toEqual(interior);
  });
});
