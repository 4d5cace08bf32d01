import { ageOn } from "@spx/runtime/schema";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";
import {
  ANALYST,
  askStatistic,
  refreshEveryStatistic,
  registers,
  type ServedCell,
  STATISTICS,
  type StatisticName,
} from "./testkit/statistics.js";

/*
 * Statistics served from snapshots, on the 3,000-person generated data (the demo generator, the
 * same as `npm run data:generate`) over real PostgreSQL through the gateway: every published value
 * is what an independent recount of the register's rows gives; every answer says as of when
 * (computedAt, the snapshot's); a write shows only after a refresh; a warm process reads nothing
 * but the snapshots' times for a dashboard.
 */

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({
    label: "stats_snapshots",
    seedPersons: 3000,
    seedHouseholds: true,
    seedProgrammes: true,
  });
  await refreshEveryStatistic(system);
}, 300_000);

afterAll(async () => {
  await system?.stop();
});

type Unit = Record<string, string | number | boolean | null>;

const sql = <Row>(db: "populationDb" | "socialRegistryDb" | "healthInsuranceDb" | "directAidDb", text: string) =>
  system[db].database.sql.query<Row>(text);

const AGE_BANDS: [number, string][] = [
  [5, "0-4"],
  [15, "5-14"],
  [25, "15-24"],
  [35, "25-34"],
  [45, "35-44"],
  [55, "45-54"],
  [65, "55-64"],
];

function ageBand(birthDate: string, today: Date): string {
  const age = ageOn(birthDate, today);
  return AGE_BANDS.find(([under]) => age < under)?.[1] ?? "65+";
}

const count = (units: Unit[]) => units.length;
const sum = (field: string) => (units: Unit[]) => units.reduce((total, unit) => total + Number(unit[field]), 0);
const mad = (centimes: number) => `${Math.trunc(centimes / 100)}.${String(centimes % 100).padStart(2, "0")}`;

/** The register's rows each statistic counts, read here with SQL of the test's own. */
async function unitsOf(statistic: StatisticName): Promise<Unit[]> {
  if (statistic === "populationStatistics") {
    const today = new Date();
    const rows = await sql<Unit & { birth_date: string }>(
      "populationDb",
      `SELECT region_code AS region, sex::text AS sex, birth_date::text AS birth_date, milieu::text AS milieu
       FROM person WHERE life_status = 'ALIVE'`,
    );
    return rows.map(({ birth_date, ...row }) => ({ ...row, ageBand: ageBand(birth_date, today) }));
  }
  if (statistic === "householdStatistics") {
    const threshold = (program: string) =>
      `(SELECT threshold FROM program_threshold WHERE program = '${program}' AND effective_from <= current_date
        ORDER BY effective_from DESC LIMIT 1)`;
    return sql<Unit>(
      "socialRegistryDb",
      `SELECT h.region_code AS region, h.milieu::text AS milieu, m.n,
              (c.score IS NOT NULL) AS scored,
              coalesce(c.score <= ${threshold("AMO_TADAMON")}, false) AS tadamon,
              coalesce(c.score <= ${threshold("DIRECT_AID")}, false) AS direct_aid
       FROM household h
       JOIN LATERAL (SELECT count(*)::int AS n FROM membership WHERE household_id = h.id AND until IS NULL) m ON m.n > 0
       LEFT JOIN index_computation c ON c.household_id = h.id AND c.current
       WHERE h.status = 'ACTIVE'`,
    );
  }
  if (statistic === "coverageStatistics") {
    return sql<Unit>(
      "healthInsuranceDb",
      `SELECT a.regime::text AS regime, c.role::text AS role, a.region_code AS region,
              CASE WHEN a.status = 'PENDING' AND a.rights_from <= current_date THEN 'ACTIVE' ELSE a.status::text END AS status
       FROM coverage c JOIN affiliation a ON a.id = c.affiliation_id WHERE c.until IS NULL`,
    );
  }
  return sql<Unit>(
    "directAidDb",
    "SELECT region_code AS region, month, children, amount FROM payment_order WHERE status <> 'FAILED'",
  );
}

const RECOUNT: Record<StatisticName, Record<string, (units: Unit[]) => number | string>> = {
  populationStatistics: { count },
  householdStatistics: {
    households: count,
    members: sum("n"),
    scored: (units) => units.filter((u) => u.scored).length,
    eligibleAmoTadamon: (units) => units.filter((u) => u.tadamon).length,
    eligibleDirectAid: (units) => units.filter((u) => u.direct_aid).length,
  },
  coverageStatistics: { beneficiaries: count },
  directAidStatistics: { households: count, children: sum("children"), amount: (units) => mad(sum("amount")(units)) },
};

/** Checks an answer against the recount: every published value, which cells exist, the flags. */
function expectRecounted(statistic: StatisticName, by: string[], cells: ServedCell[], units: Unit[]): number {
  const dimensions = STATISTICS[statistic].dimensions as Record<string, string>;
  const asked = by.map((d) => dimensions[d] as string);
  let published = 0;
  for (const cell of cells) {
    const within = units.filter((unit) => asked.every((field) => cell[field] === null || unit[field] === cell[field]));
    expect(cell.isTotal).toBe(asked.some((field) => cell[field] === null));
    for (const [measure, recount] of Object.entries(RECOUNT[statistic])) {
      if (cell[measure] === null) {
        expect(cell.suppressed.map((s) => s.measure)).toContain(measure);
      } else {
        expect({ at: asked.map((f) => cell[f]), measure, value: cell[measure] }).toEqual({
          at: asked.map((f) => cell[f]),
          measure,
          value: recount(within),
        });
        published++;
      }
    }
  }
  // Every combination present in the register is a cell (a total only where totals were asked).
  const combinations = new Set(units.map((unit) => JSON.stringify(asked.map((field) => unit[field]))));
  const served = cells.filter((cell) => !cell.isTotal).map((cell) => JSON.stringify(asked.map((f) => cell[f])));
  expect(new Set(served)).toEqual(combinations);
  expect(served).toHaveLength(combinations.size);
  return published;
}

const ASKED: Record<StatisticName, string[][]> = {
  populationStatistics: [
    ["REGION"],
    ["SEX", "AGE_BAND"],
    ["REGION", "MILIEU"],
    ["REGION", "SEX", "AGE_BAND", "MILIEU"],
  ],
  householdStatistics: [[], ["REGION"], ["REGION", "MILIEU"]],
  coverageStatistics: [
    ["REGIME", "ROLE"],
    ["REGION", "STATUS"],
    ["REGIME", "ROLE", "REGION", "STATUS"],
  ],
  directAidStatistics: [["REGION"], ["MONTH"], ["REGION", "MONTH"]],
};

describe("statistics cut from snapshots", () => {
  it.each(Object.keys(ASKED) as StatisticName[])(
    "%s: every published value equals a full recount, with and without totals",
    async (statistic) => {
      const units = await unitsOf(statistic);
      expect(units.length).toBeGreaterThan(100);
      let published = 0;
      for (const by of ASKED[statistic]) {
        for (const totals of [false, true]) {
          const cells = await askStatistic(system, statistic, by, totals);
          published += expectRecounted(statistic, by, cells, totals ? units : units);
          if (totals) {
            // The grand total is there, and published: a register of thousands is no small count.
            const grand = cells.find((cell) =>
              by.every((d) => cell[(STATISTICS[statistic].dimensions as Record<string, string>)[d] as string] === null),
            );
            expect(grand?.suppressed).toEqual([]);
          }
        }
      }
      expect(published).toBeGreaterThan(0);
    },
  );

  it("indexDistribution: bands of 0.25, 0.5 and 1 equal a recount; other widths are refused", async () => {
    const token = await system.token(ANALYST);
    for (const width of ["0.2500000", "0.5000000", "1.0000000"]) {
      const { body } = await system.query<{
        indexDistribution: { from: string; to: string; households: number | null; suppressed: { measure: string }[] }[];
      }>(token, `{ indexDistribution(bandWidth: "${width}") { from to households suppressed { measure } } }`);
      const expected = await sql<{ band: string; n: number }>(
        "socialRegistryDb",
        `SELECT (floor(score / ${width}) * ${width})::numeric(12,7)::text AS band, count(*)::int AS n
         FROM index_computation WHERE current GROUP BY 1 ORDER BY min(score)`,
      );
      const bands = body.data?.indexDistribution ?? [];
      expect(bands.map((b) => b.from)).toEqual(expected.map((e) => e.band));
      for (const [i, band] of bands.entries()) {
        expect((Number(band.to) - Number(band.from)).toFixed(7)).toBe(width);
        if (band.households === null) {
          expect(band.suppressed.map((s) => s.measure)).toEqual(["households"]);
        } else {
          expect(band.households).toBe(expected[i]?.n);
        }
      }
      expect(bands.some((b) => b.households !== null)).toBe(true);
    }
    const refused = await system.query(token, `{ indexDistribution(bandWidth: "0.3000000") { households } }`);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(refused.body.errors?.[0]?.message).toMatch(/0\.2500000, 0\.5000000 or 1\.0000000/);
  });

  it("say as of when: the snapshot's computedAt, the same on every call; a write shows after the refresh only", async () => {
    const total = "{ populationStatistics(by: [], totals: true) { count isTotal computedAt } }";
    const ask = async () => {
      const { body } = await system.query<{ populationStatistics: ServedCell[] }>(await system.token(ANALYST), total);
      const [cell, ...others] = body.data?.populationStatistics ?? [];
      expect(others).toEqual([]);
      return cell as ServedCell;
    };
    await system.population.statistics.refresh("populationStatistics", { force: true });
    const before = await ask();
    expect(await ask()).toEqual(before);
    const [row] = await sql<{ computed_at: Date }>(
      "populationDb",
      "SELECT computed_at FROM statistics_snapshot WHERE name = 'populationStatistics'",
    );
    expect(Date.parse(before.computedAt)).toBe(row?.computed_at.getTime());

    const [dying] = await sql<{ idcs: string }>(
      "populationDb",
      "UPDATE person SET life_status = 'DECEASED' WHERE idcs = (SELECT min(idcs) FROM person WHERE life_status = 'ALIVE') RETURNING idcs",
    );
    try {
      // Written, not yet refreshed: the answer is still the snapshot's, as of its time.
      expect(await ask()).toEqual(before);
      await system.population.statistics.refresh("populationStatistics", { force: true });
      const after = await ask();
      expect(after.count).toBe(Number(before.count) - 1);
      expect(Date.parse(after.computedAt)).toBeGreaterThan(Date.parse(before.computedAt));
    } finally {
      await system.populationDb.database.sql.query("UPDATE person SET life_status = 'ALIVE' WHERE idcs = $1", [
        dying?.idcs,
      ]);
      await system.population.statistics.refresh("populationStatistics", { force: true });
    }
  });

  it("wait at least ten times their own last refresh before the next one, however large the register", async () => {
    const db = system.populationDb.database.sql;
    const computedAt = async () =>
      (
        await db.query<{ at: string; ms: number | null }>(
          "SELECT computed_at::text AS at, refresh_ms AS ms FROM statistics_snapshot WHERE name = 'populationStatistics'",
        )
      )[0];
    await system.population.statistics.refresh("populationStatistics", { force: true });
    // Each refresh records what it cost.
    expect((await computedAt())?.ms).toEqual(expect.any(Number));
    /** The snapshot made 100 s old (past the 60 s interval), as if its refresh had taken `ms`. */
    const agedAs = async (ms: number) => {
      await db.query(
        "UPDATE statistics_snapshot SET computed_at = clock_timestamp() - interval '100 seconds', refresh_ms = $1 WHERE name = 'populationStatistics'",
        [ms],
      );
      return (await computedAt())?.at;
    };
    try {
      // It took 20 s: not due before 200 s.
      const slow = await agedAs(20_000);
      await system.population.statistics.refreshStale();
      expect((await computedAt())?.at).toBe(slow);
      // It took 1 s: due after the interval.
      const quick = await agedAs(1_000);
      await system.population.statistics.refreshStale();
      expect((await computedAt())?.at).not.toBe(quick);
    } finally {
      await system.population.statistics.refresh("populationStatistics", { force: true });
    }
  });

  it("cost a warm process one read of each snapshot's time per dashboard, whatever the register's size", async () => {
    const dashboard = `{ populationStatistics(by: [REGION, MILIEU], totals: true) { region milieu count suppressed { measure reason } computedAt }
      householdStatistics(by: [REGION], totals: true) { region households members eligibleAmoTadamon eligibleDirectAid }
      indexDistribution { from households }
      coverageStatistics(by: [REGION, REGIME], totals: true) { region regime beneficiaries }
      directAidStatistics(by: [MONTH], totals: true) { month households amount } }`;
    const token = await system.token(ANALYST);
    // Fresh snapshots, so that no background refresh falls into the request measured.
    await refreshEveryStatistic(system);
    const warm = await system.query(token, dashboard);
    expect(warm.body.errors).toBeUndefined();
    const counters = registers(system).map((app) => app.database.statements);
    for (const counter of counters) {
      counter.count = 0;
    }
    const { body } = await system.query(token, dashboard);
    expect(body.errors).toBeUndefined();
    // population 1, social registry 2 (households, index bands), health insurance 1, direct aid 1.
    expect(counters.map((counter) => counter.count)).toEqual([1, 2, 1, 1]);
  });
});
