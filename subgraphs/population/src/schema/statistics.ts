import { needs, STATISTICS } from "@spx/runtime/access";
import { builder } from "./builder.js";
import { LifeStatusEnum, MilieuEnum, SexEnum } from "./enums.js";

const StatisticDimension = builder.enumType("StatisticDimension", {
  values: ["REGION", "SEX", "AGE_BAND", "MILIEU"] as const,
});

type Dimension = typeof StatisticDimension.$inferType;

// Each dimension maps to a fixed SQL expression: nothing from the request is spliced into SQL.
const AGE = "date_part('year', age(current_date, birth_date))";
const COLUMNS: Record<Dimension, { sql: string; alias: string }> = {
  REGION: { sql: "region_code", alias: "region" },
  SEX: { sql: "sex::text", alias: "sex" },
  MILIEU: { sql: "milieu::text", alias: "milieu" },
  AGE_BAND: {
    sql: `CASE WHEN ${AGE} < 5 THEN '0-4' WHEN ${AGE} < 15 THEN '5-14' WHEN ${AGE} < 25 THEN '15-24'
      WHEN ${AGE} < 35 THEN '25-34' WHEN ${AGE} < 45 THEN '35-44' WHEN ${AGE} < 55 THEN '45-54'
      WHEN ${AGE} < 65 THEN '55-64' ELSE '65+' END`,
    alias: "age_band",
  },
};

interface Cell {
  region: string | null;
  sex: "MALE" | "FEMALE" | null;
  ageBand: string | null;
  milieu: "URBAN" | "RURAL" | null;
  count: number;
  computedAt: Date;
}

const StatisticCell = builder.objectRef<Cell>("StatisticCell").implement({
  description: "Number of persons sharing the values of the requested dimensions; other dimensions are null",
  fields: (t) => ({
    region: t.exposeString("region", { ...needs("stats:read"), description: "Region code" }),
    sex: t.expose("sex", { type: SexEnum, ...needs("stats:read") }),
    ageBand: t.exposeString("ageBand", { ...needs("stats:read"), description: "0-4, 5-14, …, 55-64, 65+" }),
    milieu: t.expose("milieu", { type: MilieuEnum, ...needs("stats:read") }),
    count: t.exposeInt("count", needs("stats:read")),
    computedAt: t.expose("computedAt", {
      type: "DateTime",
      ...needs("stats:read"),
      description: "When this answer was computed: the same answer is served for up to STATISTICS_MAX_AGE_SECONDS",
    }),
  }),
});

builder.queryField("populationStatistics", (t) =>
  t.field({
    type: [StatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description: "Counts of registered persons, by default the living, grouped by the requested dimensions",
    args: {
      by: t.arg({ type: [StatisticDimension], required: true }),
      lifeStatus: t.arg({ type: LifeStatusEnum, required: false, defaultValue: "ALIVE" }),
    },
    resolve: (_root, args, context) =>
      context.aggregates.cells(`populationStatistics:${JSON.stringify(args)}`, async () => {
        const dimensions = [...new Set(args.by)];
        const select = dimensions.map((d) => `${COLUMNS[d].sql} AS ${COLUMNS[d].alias}`);
        const groupBy = dimensions.map((_d, i) => String(i + 1));
        const sql = `SELECT ${[...select, "count(*)::int AS count"].join(", ")}
        FROM person WHERE life_status = $1::"LifeStatus"
        ${groupBy.length ? `GROUP BY ${groupBy.join(", ")} ORDER BY ${groupBy.join(", ")}` : ""}`;
        const rows = await context.prisma.$queryRawUnsafe<Record<string, string | number | null>[]>(
          sql,
          args.lifeStatus ?? "ALIVE",
        );
        return rows.map((row) => ({
          region: (row.region as string | undefined) ?? null,
          sex: (row.sex as Cell["sex"] | undefined) ?? null,
          ageBand: (row.age_band as string | undefined) ?? null,
          milieu: (row.milieu as Cell["milieu"] | undefined) ?? null,
          count: Number(row.count),
        }));
      }),
  }),
);
