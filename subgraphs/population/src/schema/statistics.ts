import { needs, STATISTICS } from "@spx/runtime/access";
import {
  type AnswerCell,
  answerCells,
  latticesBy,
  type StatisticDeclaration,
  statisticsTypes,
} from "@spx/runtime/statistics";
import { builder } from "./builder.js";
import { LifeStatusEnum, MilieuEnum, SexEnum } from "./enums.js";

const { cellFields } = statisticsTypes(builder);

const StatisticDimension = builder.enumType("StatisticDimension", {
  values: ["REGION", "SEX", "AGE_BAND", "MILIEU"] as const,
});

type Dimension = typeof StatisticDimension.$inferType;

const DIMENSIONS: Record<Dimension, string> = { REGION: "region", SEX: "sex", AGE_BAND: "ageBand", MILIEU: "milieu" };

// Fixed expressions only. Ages are computed at refresh time: a snapshot is as of its computedAt.
const AGE = "date_part('year', age(current_date, birth_date))";
const AGE_BAND = `CASE WHEN ${AGE} < 5 THEN '0-4' WHEN ${AGE} < 15 THEN '5-14' WHEN ${AGE} < 25 THEN '15-24'
  WHEN ${AGE} < 35 THEN '25-34' WHEN ${AGE} < 45 THEN '35-44' WHEN ${AGE} < 55 THEN '45-54'
  WHEN ${AGE} < 65 THEN '55-64' ELSE '65+' END`;

/** Registered persons: one lattice per life status (a filter, not a dimension). */
export const POPULATION_STATISTICS: StatisticDeclaration = {
  name: "populationStatistics",
  spec: {
    dimensions: [{ name: "region" }, { name: "sex" }, { name: "ageBand" }, { name: "milieu" }],
    measures: [{ kind: "count", name: "count" }],
  },
  sql: `SELECT life_status, region, sex, age_band, milieu, count(*)::int AS count
    FROM (SELECT life_status::text AS life_status, region_code AS region, sex::text AS sex,
                 ${AGE_BAND} AS age_band, milieu::text AS milieu
          FROM person) p
    GROUP BY life_status, CUBE (region, sex, age_band, milieu)`,
  cells: latticesBy("life_status", {
    dimensions: { region: "region", sex: "sex", ageBand: "age_band", milieu: "milieu" },
    counts: { count: "count" },
  }),
};

const StatisticCell = builder.objectRef<AnswerCell>("StatisticCell").implement({
  description:
    "Number of persons sharing the values of the requested dimensions; a dimension not requested, or totalled over, is null",
  fields: (t) => ({
    region: t.string({ ...needs("stats:read"), description: "Region code", resolve: (c) => c.at.region ?? null }),
    sex: t.field({
      type: SexEnum,
      ...needs("stats:read"),
      resolve: (c) => (c.at.sex ?? null) as typeof SexEnum.$inferType | null,
    }),
    ageBand: t.string({
      ...needs("stats:read"),
      description: "0-4, 5-14, …, 55-64, 65+ (age on computedAt)",
      resolve: (c) => c.at.ageBand ?? null,
    }),
    milieu: t.field({
      type: MilieuEnum,
      ...needs("stats:read"),
      resolve: (c) => (c.at.milieu ?? null) as typeof MilieuEnum.$inferType | null,
    }),
    count: t.int({
      ...needs("stats:read"),
      description: "Persons; null when not published (see suppressed)",
      resolve: (c) => c.values.count ?? null,
    }),
    ...cellFields(t, 1),
  }),
});

builder.queryField("populationStatistics", (t) =>
  t.field({
    type: [StatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description:
      "Counts of registered persons, by default the living, grouped by the requested dimensions; with totals, every total over any of them too",
    args: {
      by: t.arg({ type: [StatisticDimension], required: true }),
      lifeStatus: t.arg({ type: LifeStatusEnum, required: false, defaultValue: "ALIVE" }),
      totals: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: "Also the totals over every subset of `by` (a totalled dimension is null), grand total included",
      }),
    },
    resolve: async (_root, args, context) => {
      const snapshot = await context.statistics.snapshot(POPULATION_STATISTICS.name, args.lifeStatus ?? "ALIVE");
      return answerCells(
        snapshot,
        args.by.map((d) => DIMENSIONS[d]),
        args.totals === true,
      );
    },
  }),
);
