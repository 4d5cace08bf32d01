import type { Caller } from "@spx/runtime/access";
import type { RunningSystem } from "./start-system.js";

/** A ministry analyst, who reads every statistic. */
export const ANALYST: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };

/** Each statistic as the API serves it: its dimensions (enum value → field) and measures. */
export const STATISTICS = {
  populationStatistics: {
    dimensions: { REGION: "region", SEX: "sex", AGE_BAND: "ageBand", MILIEU: "milieu" },
    measures: ["count"],
  },
  householdStatistics: {
    dimensions: { REGION: "region", MILIEU: "milieu" },
    measures: ["households", "members", "scored", "eligibleAmoTadamon", "eligibleDirectAid"],
  },
  coverageStatistics: {
    dimensions: { REGIME: "regime", ROLE: "role", REGION: "region", STATUS: "status" },
    measures: ["beneficiaries"],
  },
  directAidStatistics: {
    dimensions: { REGION: "region", MONTH: "month" },
    measures: ["households", "children", "amount"],
  },
} as const;

export type StatisticName = keyof typeof STATISTICS;

/** A served cell: categories, measures (a MadAmount as its string), flags. */
export type ServedCell = Record<string, string | number | boolean | null> & {
  isTotal: boolean;
  suppressed: { measure: string; reason: string }[];
  computedAt: string;
};

/** Every subset of a statistic's dimensions (the enum values), the empty one included. */
export function everyBy(statistic: StatisticName): string[][] {
  const names = Object.keys(STATISTICS[statistic].dimensions);
  return Array.from({ length: 2 ** names.length }, (_, mask) => names.filter((_n, i) => mask & (1 << i)));
}

let asked = 0;

/**
 * Asks a statistic through the gateway as an analyst (another official of the grant each time: one
 * official asking dozens of questions a second is rightly refused by the rate limit); fails the
 * test on any error.
 */
export async function askStatistic(
  system: RunningSystem,
  statistic: StatisticName,
  by: readonly string[],
  totals: boolean,
): Promise<ServedCell[]> {
  const { dimensions, measures } = STATISTICS[statistic];
  const fields = [...Object.values(dimensions), ...measures, "isTotal", "suppressed { measure reason }", "computedAt"];
  const query = `{ ${statistic}(by: [${by.join(", ")}], totals: ${totals}) { ${fields.join(" ")} } }`;
  const { body } = await system.query<Record<string, ServedCell[]>>(
    await system.token({ ...ANALYST, sub: `${ANALYST.sub}:${++asked}` }),
    query,
  );
  if (body.errors?.length) {
    throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  }
  return body.data?.[statistic] ?? [];
}

/** The registers' apps (their statistics and statement counters), in the subgraphs' order. */
export function registers(system: RunningSystem): Pick<RunningSystem["population"], "statistics" | "database">[] {
  return [system.population, system.socialRegistry, system.healthInsurance, system.directAid];
}

/** Refreshes every register's snapshots now (as the schedule would, without waiting for it). */
export async function refreshEveryStatistic(system: RunningSystem): Promise<void> {
  for (const app of registers(system)) {
    await app.statistics.refreshAll({ force: true });
  }
}
