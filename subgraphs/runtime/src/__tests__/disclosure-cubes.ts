import type { DimensionSpec, LatticeCell, StatisticSpec } from "../disclosure/types.js";

/**
 * Statistics for the disclosure-control tests, aggregated from generated units the way a register's
 * GROUPING SETS would: every unit counted once in each cell it falls in (its category or the total,
 * and every level of a nested one), so that counts and sums add up along every line.
 */

/** mulberry32: a small seeded generator, so that a failing cube can be regenerated from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Unit {
  /** The unit's leaf category per dimension. */
  at: Record<string, string>;
  /** Count measures the unit is counted in (`units` always). */
  in: string[];
  /** Its contribution to each sum measure. */
  amounts: Record<string, number>;
}

/** Index bands nested three levels deep: 0.25 within 0.5 within 1, within the total. */
export const BANDS: DimensionSpec = {
  name: "band",
  parentOf: (category) => {
    const [from = "0", to = "0"] = category.split("-");
    const width = Number(to) - Number(from);
    if (width >= 1) {
      return null;
    }
    const size = width * 2;
    const start = Math.floor(Number(from) / size) * size;
    return `${start}-${start + size}`;
  },
};
export const BAND_LEAVES = ["0-0.25", "0.25-0.5", "0.5-0.75", "0.75-1", "1-1.25", "1.25-1.5", "1.5-1.75", "1.75-2"];

/** The positions a unit's category counts in: itself, every category it is part of, the total. */
function positions(dimension: DimensionSpec, category: string): (string | null)[] {
  const chain: (string | null)[] = [category];
  for (
    let parent = dimension.parentOf?.(category) ?? null;
    parent !== null;
    parent = dimension.parentOf?.(parent) ?? null
  ) {
    chain.push(parent);
  }
  return [...chain, null];
}

/** Every cell of the statistic over the units that has at least one of them (empty cells are left out). */
export function aggregate(spec: StatisticSpec, units: readonly Unit[]): LatticeCell[] {
  const cells = new Map<string, { at: Record<string, string | null>; units: Unit[] }>();
  for (const unit of units) {
    let combinations: (string | null)[][] = [[]];
    for (const dimension of spec.dimensions) {
      const options = positions(dimension, unit.at[dimension.name] ?? "");
      combinations = combinations.flatMap((prefix) => options.map((option) => [...prefix, option]));
    }
    for (const combination of combinations) {
      const key = JSON.stringify(combination);
      const at = Object.fromEntries(spec.dimensions.map((d, i) => [d.name, combination[i] ?? null]));
      const cell = cells.get(key) ?? { at, units: [] };
      cell.units.push(unit);
      cells.set(key, cell);
    }
  }
  return [...cells.values()].map(({ at, units: members }) => ({
    at,
    counts: Object.fromEntries(
      spec.measures
        .filter((m) => m.kind === "count")
        .map((m) => [m.name, members.filter((u) => u.in.includes(m.name)).length]),
    ),
    sums: Object.fromEntries(
      spec.measures
        .filter((m) => m.kind === "sum")
        .map((m) => {
          const contributions = members
            .map((u) => u.amounts[m.name] ?? 0)
            .filter((amount) => amount > 0)
            .sort((a, b) => b - a);
          return [
            m.name,
            {
              total: contributions.reduce((a, b) => a + b, 0),
              contributors: contributions.length,
              largest: contributions[0] ?? 0,
              second: contributions[1] ?? 0,
            },
          ];
        }),
    ),
  }));
}

function pick<T>(random: () => number, items: readonly T[], weights?: readonly number[]): T {
  const w = weights ?? items.map(() => 1);
  let x = random() * w.reduce((a, b) => a + b, 0);
  for (const [i, item] of items.entries()) {
    x -= w[i] ?? 0;
    if (x < 0) {
      return item;
    }
  }
  return items[items.length - 1] as T;
}

/**
 * A random statistic of 1 to 4 dimensions (one of them, sometimes, the nested bands), skewed so
 * that small cells, small complements and dominated sums all occur: a count of units, a count of
 * "flagged" units (a subset), amounts paid to the units (counted by the units count) and arrears
 * (heavy-tailed, protected on their own).
 */
export function randomCube(random: () => number): { spec: StatisticSpec; units: Unit[]; cells: LatticeCell[] } {
  const dimensionCount = 1 + Math.floor(random() * 4);
  const nested = random() < 0.35;
  const dimensions: DimensionSpec[] = [];
  const leaves: Record<string, string[]> = {};
  for (let d = 0; d < dimensionCount; d++) {
    if (nested && d === 0) {
      dimensions.push(BANDS);
      leaves.band = BAND_LEAVES.slice(0, dimensionCount > 2 ? 4 : 8);
      continue;
    }
    const name = `d${d}`;
    const size = 2 + Math.floor(random() * (dimensionCount > 2 ? 2 : 4));
    dimensions.push({ name });
    leaves[name] = Array.from({ length: size }, (_x, i) => `${String.fromCharCode(65 + i)}${d}`);
  }
  const spec: StatisticSpec = {
    dimensions,
    measures: [
      { kind: "count", name: "units" },
      { kind: "count", name: "flagged", subsetOf: "units" },
      { kind: "sum", name: "paid", countedBy: "units" },
      { kind: "sum", name: "arrears" },
    ],
  };
  const weights = Object.fromEntries(
    Object.entries(leaves).map(([name, categories]) => [name, categories.map(() => 0.2 + random() * random() * 3)]),
  );
  const unitCount = 3 + Math.floor(random() * random() * 250);
  const units: Unit[] = Array.from({ length: unitCount }, () => ({
    at: Object.fromEntries(dimensions.map((d) => [d.name, pick(random, leaves[d.name] ?? [], weights[d.name])])),
    in: random() < 0.88 ? ["units", "flagged"] : ["units"],
    amounts: {
      paid: 100 * (1 + Math.floor(random() * 4)),
      arrears: random() < 0.5 ? 0 : Math.round(10 * Math.exp(random() * random() * 9)),
    },
  }));
  return { spec, units, cells: aggregate(spec, units) };
}

const REGIONS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"];
const REGION_WEIGHTS = [11, 14, 9, 21, 8, 7, 13, 5, 4, 3, 2, 3];
const AGE_BANDS = ["0-4", "5-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65+"];
const AGE_WEIGHTS = [9, 18, 17, 16, 14, 11, 8, 7];

/** populationStatistics' lattice: region × sex × age band × milieu over generated persons. */
export function populationCube(persons: number, seed: number): { spec: StatisticSpec; cells: LatticeCell[] } {
  const random = seeded(seed);
  const spec: StatisticSpec = {
    dimensions: [{ name: "region" }, { name: "sex" }, { name: "ageBand" }, { name: "milieu" }],
    measures: [{ kind: "count", name: "units" }],
  };
  const units: Unit[] = Array.from({ length: persons }, () => ({
    at: {
      region: pick(random, REGIONS, REGION_WEIGHTS),
      sex: pick(random, ["MALE", "FEMALE"]),
      ageBand: pick(random, AGE_BANDS, AGE_WEIGHTS),
      milieu: pick(random, ["URBAN", "RURAL"], [6, 4]),
    },
    in: ["units"],
    amounts: {},
  }));
  return { spec, cells: aggregate(spec, units) };
}
