import { needs, STATISTICS } from "@spx/runtime/access";
import {
  type AnswerCell,
  answerCells,
  type StatisticDeclaration,
  singleLattice,
  statisticsTypes,
} from "@spx/runtime/statistics";
import { builder } from "./builder.js";

const { cellFields } = statisticsTypes(builder);

const STATS = needs("stats:read");

const Dimension = builder.enumType("DirectAidStatisticDimension", { values: ["REGION", "MONTH"] as const });

const DIMENSIONS: Record<typeof Dimension.$inferType, string> = { REGION: "region", MONTH: "month" };

const SUMS = `sum(children)::bigint AS children_total, count(*)::int AS children_contributors,
  statistics_top2(children) AS children_top,
  sum(amount)::bigint AS amount_total, count(*)::int AS amount_contributors, statistics_top2(amount) AS amount_top`;

/**
 * Orders not failed, by region and month: households paid (one order per household and month),
 * and children and amounts as sums over households. The dominance rule needs each cell's two
 * largest contributions of ONE household: within a month that is its order; over all months its
 * orders are added up first (per region, and over the whole country), hence three grouping
 * statements over the same orders.
 */
export const DIRECT_AID_STATISTICS: StatisticDeclaration = {
  name: "directAidStatistics",
  spec: {
    dimensions: [{ name: "region" }, { name: "month" }],
    measures: [
      { kind: "count", name: "households" },
      // Amounts follow a schedule: where the households paid are hidden, their amounts would tell.
      { kind: "sum", name: "children", countedBy: "households" },
      { kind: "sum", name: "amount", countedBy: "households" },
    ],
  },
  sql: `WITH o AS (
      SELECT household_id, region_code::text AS region, month::text AS month,
             children::bigint AS children, amount::bigint AS amount
      FROM payment_order WHERE status <> 'FAILED')
    SELECT region, month, count(*)::int AS households, ${SUMS}
    FROM o GROUP BY GROUPING SETS ((region, month), (month))
    UNION ALL
    SELECT region, NULL::text, sum(orders)::int, ${SUMS}
    FROM (SELECT household_id, region, count(*) AS orders, sum(children)::bigint AS children,
                 sum(amount)::bigint AS amount
          FROM o GROUP BY household_id, region) h
    GROUP BY region
    UNION ALL
    SELECT NULL::text, NULL::text, coalesce(sum(orders), 0)::int, ${SUMS}
    FROM (SELECT household_id, count(*) AS orders, sum(children)::bigint AS children, sum(amount)::bigint AS amount
          FROM o GROUP BY household_id) h`,
  cells: singleLattice({
    dimensions: { region: "region", month: "month" },
    counts: { households: "households" },
    sums: { children: "children", amount: "amount" },
  }),
};

const AidStatisticCell = builder.objectRef<AnswerCell>("DirectAidStatisticCell").implement({
  description:
    "Orders not failed sharing the requested dimensions; a dimension not requested, or totalled over, is null",
  fields: (t) => ({
    region: t.string({ ...STATS, resolve: (c) => c.at.region ?? null }),
    month: t.string({ ...STATS, resolve: (c) => c.at.month ?? null }),
    households: t.int({
      ...STATS,
      description: "Households paid (orders issued); null when not published (see suppressed)",
      resolve: (c) => c.values.households ?? null,
    }),
    children: t.int({
      ...STATS,
      description: "Children counted in those orders; null when not published",
      resolve: (c) => c.values.children ?? null,
    }),
    amount: t.field({
      type: "MadAmount",
      ...STATS,
      description: "Amount of those orders; null when not published (small count or dominance)",
      resolve: (c) => c.values.amount ?? null,
    }),
    ...cellFields(t, 3),
  }),
});

builder.queryField("directAidStatistics", (t) =>
  t.field({
    type: [AidStatisticCell],
    ...STATS,
    ...STATISTICS,
    description:
      "Households paid, children counted and amounts, by region and/or month; with totals, every total over any of them too",
    args: {
      by: t.arg({ type: [Dimension], required: true }),
      totals: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: "Also the totals over every subset of `by` (a totalled dimension is null), grand total included",
      }),
    },
    resolve: async (_root, args, context) =>
      answerCells(
        await context.statistics.snapshot(DIRECT_AID_STATISTICS.name),
        args.by.map((d) => DIMENSIONS[d]),
        args.totals === true,
      ),
  }),
);
