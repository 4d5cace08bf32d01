import { disclosureRules } from "@spx/runtime/access";
import type { LatticeCell } from "@spx/runtime/disclosure";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";
import {
  ANALYST,
  askStatistic,
  everyBy,
  refreshEveryStatistic,
  type ServedCell,
  STATISTICS,
  type StatisticName,
} from "./testkit/statistics.js";

/*
 * Disclosure control as a caller meets it, through the gateway, on generated data small enough
 * (800 persons) for most detailed cells to be small: whichever combination of dimensions is asked,
 * with or without totals, no published count is from 1 to threshold − 1, and no hidden value is
 * what a line's published total minus its published parts leaves.
 */

let system: RunningSystem;
const { threshold } = disclosureRules();

beforeAll(async () => {
  system = await startSystem({
    label: "stats_disclosure",
    seedPersons: 800,
    seedHouseholds: true,
    seedProgrammes: true,
  });
  await refreshEveryStatistic(system);
}, 300_000);

afterAll(async () => {
  await system?.stop();
});

/** The counts among each statistic's measures (sums are hidden by their contributors, not their value). */
const COUNTS: Record<StatisticName, string[]> = {
  populationStatistics: ["count"],
  householdStatistics: ["households", "scored", "eligibleAmoTadamon", "eligibleDirectAid"],
  coverageStatistics: ["beneficiaries"],
  directAidStatistics: ["households"],
};

const DATABASE = {
  populationStatistics: "populationDb",
  householdStatistics: "socialRegistryDb",
  coverageStatistics: "healthInsuranceDb",
  directAidStatistics: "directAidDb",
} as const;

/** The true value of every cell, from the snapshot the register computed (what protection hides). */
async function trueValues(statistic: StatisticName): Promise<(cell: ServedCell, measure: string) => number> {
  const [row] = await system[DATABASE[statistic]].database.sql.query<{ cells: Record<string, LatticeCell[]> }>(
    "SELECT cells FROM statistics_snapshot WHERE name = $1",
    [statistic],
  );
  const lattice = row?.cells[statistic === "populationStatistics" ? "ALIVE" : ""] ?? [];
  const fields = Object.values(STATISTICS[statistic].dimensions) as string[];
  const key = (at: Record<string, unknown>) => JSON.stringify(fields.map((f) => at[f] ?? null));
  const byKey = new Map(lattice.map((cell) => [key(cell.at), cell]));
  return (cell, measure) => {
    const found = byKey.get(key(cell));
    return found?.counts[measure] ?? found?.sums[measure]?.total ?? 0;
  };
}

/** A served value as a number (a MadAmount in centimes). */
const numberOf = (value: unknown) => (typeof value === "string" ? Math.round(Number(value) * 100) : Number(value));

describe("disclosure control over every answer", () => {
  it.each(Object.keys(STATISTICS) as StatisticName[])(
    "%s: no small count published, and no hidden value left over by a line's published parts",
    async (statistic) => {
      const truth = await trueValues(statistic);
      const dimensions = STATISTICS[statistic].dimensions as Record<string, string>;
      const measures = STATISTICS[statistic].measures as readonly string[];
      let hidden = 0;
      let lines = 0;
      for (const by of everyBy(statistic)) {
        for (const totals of [false, true]) {
          const cells = await askStatistic(system, statistic, by, totals);
          for (const cell of cells) {
            for (const measure of COUNTS[statistic]) {
              const value = cell[measure];
              if (typeof value === "number") {
                expect({ by, measure, value, small: value >= 1 && value < threshold }).toMatchObject({ small: false });
              }
            }
            hidden += cell.suppressed.length;
          }
          if (!totals) {
            continue;
          }
          const asked = by.map((d) => dimensions[d] as string);
          // Every line of the answer: a total along one asked dimension, and its parts.
          for (const total of cells) {
            for (const along of asked.filter((field) => total[field] === null)) {
              const parts = cells.filter(
                (cell) => cell[along] !== null && asked.every((f) => f === along || cell[f] === total[f]),
              );
              for (const measure of measures) {
                if (total[measure] === null) {
                  continue;
                }
                lines++;
                const shown = parts.filter((p) => p[measure] !== null);
                const leftOver = numberOf(total[measure]) - shown.reduce((s, p) => s + numberOf(p[measure]), 0);
                for (const part of parts.filter((p) => p[measure] === null)) {
                  expect({ by, along, measure, derivable: truth(part, measure) === leftOver }).toMatchObject({
                    derivable: false,
                  });
                }
              }
            }
          }
        }
      }
      // On 800 persons, detailed cells are small: the rules had something to hide, and lines to check.
      expect(hidden).toBeGreaterThan(0);
      expect(lines).toBeGreaterThan(0);
    },
  );

  it("indexDistribution publishes no small band at any width", async () => {
    const token = await system.token(ANALYST);
    for (const width of ["0.2500000", "0.5000000", "1.0000000"]) {
      const { body } = await system.query<{ indexDistribution: { households: number | null }[] }>(
        token,
        `{ indexDistribution(bandWidth: "${width}") { households } }`,
      );
      const small = (body.data?.indexDistribution ?? []).filter(
        (band) => band.households !== null && band.households >= 1 && band.households < threshold,
      );
      expect(small).toEqual([]);
    }
  });
});
