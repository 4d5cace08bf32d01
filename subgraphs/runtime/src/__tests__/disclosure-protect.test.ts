import { LatticeError, protect } from "../disclosure/index.js";
import type { LatticeCell, ProtectedCell, StatisticSpec } from "../disclosure/types.js";
import { derivableByAttacker } from "./disclosure-checker.js";
import { aggregate, BAND_LEAVES, BANDS, type Unit } from "./disclosure-cubes.js";

/** Worked examples a reader can follow by hand, and the shape of what `protect` returns. */

const RULES = { threshold: 10, dominancePercent: 15 };

/** A two-way table of counts, its margins and grand total computed here: rows × columns of `units`. */
function table(rows: string[], columns: string[], counts: number[][]): { spec: StatisticSpec; cells: LatticeCell[] } {
  const spec: StatisticSpec = {
    dimensions: [{ name: "row" }, { name: "column" }],
    measures: [{ kind: "count", name: "units" }],
  };
  const cells: LatticeCell[] = [];
  const cell = (row: string | null, column: string | null, units: number) =>
    cells.push({ at: { row, column }, counts: { units }, sums: {} });
  for (const [i, row] of rows.entries()) {
    for (const [j, column] of columns.entries()) {
      cell(row, column, counts[i]?.[j] ?? 0);
    }
    cell(
      row,
      null,
      (counts[i] ?? []).reduce((a, b) => a + b, 0),
    );
  }
  for (const [j, column] of columns.entries()) {
    cell(
      null,
      column,
      counts.reduce((a, r) => a + (r[j] ?? 0), 0),
    );
  }
  cell(
    null,
    null,
    counts.flat().reduce((a, b) => a + b, 0),
  );
  return { spec, cells };
}

/** The table as printed: each cell's value, or its reason in brackets. */
function printed(cells: readonly ProtectedCell[]): string[] {
  return cells.map((cell) => {
    const where = `${cell.at.row ?? "all"}/${cell.at.column ?? "all"}`;
    const reason = cell.suppressed[0]?.reason;
    return `${where} ${reason ? `[${reason}]` : cell.values.units}`;
  });
}

describe("disclosure control, worked by hand", () => {
  it("2×2: one small cell hides the whole interior, and the margins stay published", () => {
    // women/rural is 4 (< 10). Its row and column would give it back (34 − 30, 29 − 25), so one more
    // cell of each is hidden, which leaves men/urban alone in its row: hidden too. The four unknowns
    // a + b = 34, c + d = 66, a + c = 29, b + d = 71 have rank 3: a can be anything from 0 to 29.
    const { spec, cells } = table(
      ["F", "M"],
      ["RURAL", "URBAN"],
      [
        [4, 30],
        [25, 41],
      ],
    );
    const answer = protect(spec, cells, RULES).answer(["row", "column"], { totals: true });
    expect(printed(answer)).toEqual([
      "F/RURAL [SMALL_COUNT]",
      "F/URBAN [SECONDARY]",
      "F/all 34",
      "M/RURAL [SECONDARY]",
      "M/URBAN [SECONDARY]",
      "M/all 66",
      "all/RURAL 29",
      "all/URBAN 71",
      "all/all 100",
    ]);
    expect(derivableByAttacker(spec, answer).get("units")).toEqual([]);
  });

  it("3×3: the small cell and three partners form a rectangle, the smallest parts of its lines", () => {
    // Regions A, B, C by age 0-14, 15-64, 65+; A/0-14 = 3. Row A hides its smallest other part,
    // A/65+ = 15 (not A/15-64 = 20); column 0-14 hides B/0-14 = 12 (not C/0-14 = 18); column 65+,
    // now holding A/65+ alone, hides B/65+ = 22; row B then holds two. Adding 1 to A/0-14 and B/65+
    // and taking 1 from A/65+ and B/0-14 changes no published cell: nothing is derivable.
    const { spec, cells } = table(
      ["A", "B", "C"],
      ["0-14", "15-64", "65+"],
      [
        [3, 20, 15],
        [12, 30, 22],
        [18, 25, 40],
      ],
    );
    const protectedLattice = protect(spec, cells, RULES);
    expect(printed(protectedLattice.answer(["row", "column"]))).toEqual([
      "A/0-14 [SMALL_COUNT]",
      "A/15-64 20",
      "A/65+ [SECONDARY]",
      "B/0-14 [SECONDARY]",
      "B/15-64 30",
      "B/65+ [SECONDARY]",
      "C/0-14 18",
      "C/15-64 25",
      "C/65+ 40",
    ]);
    expect(printed(protectedLattice.answer(["column"]))).toEqual(["all/0-14 33", "all/15-64 75", "all/65+ 77"]);
    expect(derivableByAttacker(spec, protectedLattice.cells).get("units")).toEqual([]);
  });

  it("publishes zeros, hides a small total with its parts, and hides a count whose complement is small", () => {
    const spec: StatisticSpec = {
      dimensions: [{ name: "region" }],
      measures: [
        { kind: "count", name: "scored" },
        { kind: "count", name: "eligible", subsetOf: "scored" },
      ],
    };
    const cell = (region: string | null, scored: number, eligible: number): LatticeCell => ({
      at: { region },
      counts: { scored, eligible },
      sums: {},
    });
    const lattice = protect(
      spec,
      [cell("01", 40, 38), cell("02", 0, 0), cell("03", 25, 12), cell(null, 65, 50)],
      RULES,
    );
    const byRegion = Object.fromEntries(lattice.cells.map((c) => [c.at.region ?? "all", c]));
    expect(byRegion["02"]?.values).toEqual({ scored: 0, eligible: 0 });
    // 40 scored, 38 eligible: the 2 not eligible would be known.
    expect(byRegion["01"]?.suppressed).toEqual([{ measure: "eligible", reason: "COMPLEMENT" }]);
    expect(byRegion["03"]?.suppressed).toEqual([{ measure: "eligible", reason: "SECONDARY" }]);
    expect(byRegion["01"]?.values.scored).toBe(40);
    expect(byRegion.all?.values).toEqual({ scored: 65, eligible: 50 });
  });

  it("hides a sum over few contributors or dominated by one, and a sum wherever its contributors' count is hidden", () => {
    const spec: StatisticSpec = {
      dimensions: [{ name: "month" }],
      measures: [
        { kind: "count", name: "households" },
        { kind: "sum", name: "amount", countedBy: "households" },
        { kind: "sum", name: "arrears" },
      ],
    };
    const units: Unit[] = [
      // January: 12 households paid 500 each, one of them owing 9,000 of the 10,100 arrears.
      ...Array.from({ length: 12 }, (_x, i) => ({
        at: { month: "2026-01" },
        in: ["households"],
        amounts: { amount: 500, arrears: i === 0 ? 9_000 : 100 },
      })),
      // February: 15 households, arrears spread evenly.
      ...Array.from({ length: 15 }, () => ({
        at: { month: "2026-02" },
        in: ["households"],
        amounts: { amount: 500, arrears: 200 },
      })),
      // March: 4 households.
      ...Array.from({ length: 4 }, () => ({
        at: { month: "2026-03" },
        in: ["households"],
        amounts: { amount: 700, arrears: 300 },
      })),
    ];
    const lattice = protect(spec, aggregate(spec, units), RULES);
    const byMonth = Object.fromEntries(lattice.cells.map((c) => [c.at.month ?? "all", c]));
    expect(byMonth["2026-01"]?.suppressed).toEqual([
      { measure: "households", reason: "SECONDARY" },
      { measure: "amount", reason: "SECONDARY" },
      { measure: "arrears", reason: "DOMINANCE" },
    ]);
    expect(byMonth["2026-03"]?.suppressed).toEqual([
      { measure: "households", reason: "SMALL_COUNT" },
      { measure: "amount", reason: "SMALL_COUNT" },
      { measure: "arrears", reason: "SMALL_COUNT" },
    ]);
    expect(byMonth["2026-02"]?.values).toEqual({ households: 15, amount: 7_500, arrears: 3_000 });
    // The total's own contributions: 14,300 − 9,000 − 300 = 5,000 ≥ 15% of 9,000, so it is published.
    expect(byMonth.all?.values).toEqual({ households: 31, amount: 16_300, arrears: 14_300 });
  });

  it("answers nested bands at every level, categories ascending by their number and a total after its parts", () => {
    const spec: StatisticSpec = { dimensions: [BANDS], measures: [{ kind: "count", name: "units" }] };
    const units: Unit[] = BAND_LEAVES.flatMap((band, i) =>
      Array.from({ length: 20 + i }, () => ({ at: { band }, in: ["units"], amounts: {} })),
    );
    const answer = protect(spec, aggregate(spec, units), RULES).answer(["band"], { totals: true });
    expect(answer.map((c) => c.at.band)).toEqual([
      "0-0.25",
      "0-0.5",
      "0-1",
      "0.25-0.5",
      "0.5-0.75",
      "0.5-1",
      "0.75-1",
      "1-1.25",
      "1-1.5",
      "1-2",
      "1.25-1.5",
      "1.5-1.75",
      "1.5-2",
      "1.75-2",
      null,
    ]);
    expect(answer.find((c) => c.at.band === "0-0.5")?.values.units).toBe(41);
  });

  it("orders an answer by the dimensions asked, whatever order the register's rows came in", () => {
    const { spec, cells } = table(
      ["10", "9"],
      ["5-14", "15-24"],
      [
        [11, 12],
        [13, 14],
      ],
    );
    const answer = protect(spec, [...cells].reverse(), RULES).answer(["column", "row"]);
    expect(answer.map((c) => `${c.at.column}/${c.at.row}`)).toEqual(["5-14/9", "5-14/10", "15-24/9", "15-24/10"]);
  });

  it("refuses a lattice that does not add up, naming where but no value", () => {
    const { spec, cells } = table(
      ["A", "B"],
      ["X", "Y"],
      [
        [11, 12],
        [13, 14],
      ],
    );
    const broken = cells.map((c) => (c.at.row === "A" && c.at.column === null ? { ...c, counts: { units: 24 } } : c));
    expect(() => protect(spec, broken, RULES)).toThrow(LatticeError);
    expect(() => protect(spec, broken, RULES)).toThrow("units does not add up along column at row=A, column=total");
    expect(() => protect(spec, broken, RULES)).not.toThrow(/24|23/);
  });
});
