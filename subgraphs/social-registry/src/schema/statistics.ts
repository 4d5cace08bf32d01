import { thresholdOn } from "@spx/reference/thresholds";
import { needs, STATISTICS } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import {
  type AnswerCell,
  answerCells,
  type StatisticDeclaration,
  type StatisticSnapshot,
  singleLattice,
  statisticsTypes,
} from "@spx/runtime/statistics";
import type { RegistryData } from "../registry-data.js";
import { builder } from "./builder.js";
import { MilieuEnum } from "./household.js";

const { Suppression, cellFields } = statisticsTypes(builder);

const Dimension = builder.enumType("HouseholdStatisticDimension", { values: ["REGION", "MILIEU"] as const });

const DIMENSIONS: Record<typeof Dimension.$inferType, string> = { REGION: "region", MILIEU: "milieu" };

/**
 * Active households by region and milieu: households, scored ones (an index in force) and the
 * eligible among them (thresholds in force when the snapshot is computed); members as a sum over
 * households, so that one large household cannot be read off a cell (dominance rule).
 */
export function householdStatisticsOf(data: RegistryData): StatisticDeclaration {
  return {
    name: "householdStatistics",
    spec: {
      dimensions: [{ name: "region" }, { name: "milieu" }],
      measures: [
        { kind: "count", name: "households" },
        { kind: "count", name: "scored", subsetOf: "households" },
        { kind: "count", name: "eligibleAmoTadamon", subsetOf: "scored" },
        { kind: "count", name: "eligibleDirectAid", subsetOf: "scored" },
        { kind: "sum", name: "members", countedBy: "households" },
      ],
    },
    sql: `SELECT region, milieu,
        count(*)::int AS households,
        count(score)::int AS scored,
        count(*) FILTER (WHERE score <= $1::numeric)::int AS tadamon,
        count(*) FILTER (WHERE score <= $2::numeric)::int AS direct_aid,
        coalesce(sum(n), 0)::bigint AS members_total,
        count(*)::int AS members_contributors,
        statistics_top2(n) AS members_top
      FROM (SELECT h.region_code AS region, h.milieu::text AS milieu, m.n, c.score
            FROM household h
            JOIN (SELECT household_id, count(*)::bigint AS n FROM membership WHERE until IS NULL GROUP BY household_id) m
              ON m.household_id = h.id
            LEFT JOIN index_computation c ON c.household_id = h.id AND c.current
            WHERE h.status = 'ACTIVE') x
      GROUP BY CUBE (region, milieu)`,
    params: () => {
      const now = new Date();
      return [
        thresholdOn(data.thresholds, "AMO_TADAMON", now)?.threshold ?? "-1",
        thresholdOn(data.thresholds, "DIRECT_AID", now)?.threshold ?? "-1",
      ];
    },
    cells: singleLattice({
      dimensions: { region: "region", milieu: "milieu" },
      counts: {
        households: "households",
        scored: "scored",
        eligibleAmoTadamon: "tadamon",
        eligibleDirectAid: "direct_aid",
      },
      sums: { members: "members" },
    }),
  };
}

/** The band widths served: nested (each band of 0.25 lies in one of 0.5, in one of 1), never free. */
const BAND_WIDTHS = ["0.25", "0.5", "1"] as const;
type BandWidth = (typeof BAND_WIDTHS)[number];

/** A band's category: its width and lower bound, `0.25:1.2500000`. */
function parentBand(category: string): string | null {
  const [width, from] = category.split(":") as [BandWidth, string];
  const parent = width === "0.25" ? 0.5 : width === "0.5" ? 1 : null;
  return parent === null ? null : `${parent}:${(Math.floor(Number(from) / parent) * parent).toFixed(7)}`;
}

const band = (width: string) => `'${width}:' || (floor(score / ${width}) * ${width})::numeric(12,7)::text`;

/** Households by band of their index in force, the three widths in one lattice (one nested dimension). */
export const INDEX_DISTRIBUTION: StatisticDeclaration = {
  name: "indexDistribution",
  spec: {
    dimensions: [{ name: "band", parentOf: parentBand }],
    measures: [{ kind: "count", name: "households" }],
  },
  sql: `SELECT coalesce(b25, b50, b100) AS band, count(*)::int AS households
    FROM (SELECT ${band("0.25")} AS b25, ${band("0.5")} AS b50, ${band("1")} AS b100
          FROM index_computation WHERE current) b
    GROUP BY GROUPING SETS ((b25), (b50), (b100), ())`,
  cells: singleLattice({ dimensions: { band: "band" }, counts: { households: "households" } }),
};

const HouseholdStatisticCell = builder.objectRef<AnswerCell>("HouseholdStatisticCell").implement({
  description:
    "Active households sharing the requested dimensions; a dimension not requested, or totalled over, is null",
  fields: (t) => {
    const measure = (name: string, description: string) =>
      t.int({ ...needs("stats:read"), description, resolve: (c) => c.values[name] ?? null });
    return {
      region: t.string({ ...needs("stats:read"), resolve: (c) => c.at.region ?? null }),
      milieu: t.field({
        type: MilieuEnum,
        ...needs("stats:read"),
        resolve: (c) => (c.at.milieu ?? null) as typeof MilieuEnum.$inferType | null,
      }),
      households: measure("households", "Active households; null when not published (see suppressed)"),
      members: measure("members", "Their current members; null when not published"),
      scored: measure("scored", "Households with an index in force; null when not published"),
      eligibleAmoTadamon: measure("eligibleAmoTadamon", "Scored households under the AMO Tadamon threshold in force"),
      eligibleDirectAid: measure("eligibleDirectAid", "Scored households under the direct aid threshold in force"),
      ...cellFields(t, 5),
    };
  },
});

interface Band {
  from: string;
  to: string;
  households: number | null;
  suppressed: AnswerCell["suppressed"];
  computedAt: Date;
}

const IndexBand = builder.objectRef<Band>("IndexBand").implement({
  fields: (t) => ({
    from: t.expose("from", { type: "Decimal7", ...needs("stats:read") }),
    to: t.expose("to", { type: "Decimal7", ...needs("stats:read") }),
    households: t.exposeInt("households", {
      ...needs("stats:read"),
      description: "Households whose index in force is in [from, to); null when not published (see suppressed)",
    }),
    suppressed: t.field({
      type: [Suppression],
      // At most one entry per measure of the cell.
      listSize: { assumedSize: 1 },
      ...needs("stats:read"),
      description: "The measures of this band that are not published, and why",
      resolve: (b) => b.suppressed,
    }),
    computedAt: t.expose("computedAt", {
      type: "DateTime",
      ...needs("stats:read"),
      description: "When the snapshot this answer is cut from was computed (the as-of time)",
    }),
  }),
});

/** The bands of one width, ascending. */
function bandsOf(snapshot: StatisticSnapshot, width: BandWidth): Band[] {
  return snapshot.lattice
    .answer(["band"])
    .filter((cell) => cell.at.band?.startsWith(`${width}:`))
    .map((cell) => {
      const from = Number(cell.at.band?.slice(width.length + 1));
      return {
        from: from.toFixed(7),
        to: (from + Number(width)).toFixed(7),
        households: cell.values.households ?? null,
        suppressed: cell.suppressed,
        computedAt: snapshot.computedAt,
      };
    })
    .sort((a, b) => Number(a.from) - Number(b.from));
}

builder.queryFields((t) => ({
  householdStatistics: t.field({
    type: [HouseholdStatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description:
      "Active households, their members and eligible households, by region and/or milieu; with totals, every total over any of them too",
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
        await context.statistics.snapshot("householdStatistics"),
        args.by.map((d) => DIMENSIONS[d]),
        args.totals === true,
      ),
  }),
  indexDistribution: t.field({
    type: [IndexBand],
    ...needs("stats:read"),
    ...STATISTICS,
    description: "How many households' index in force falls in each band: of 0.25 (default), 0.5 or 1",
    args: {
      bandWidth: t.arg({
        type: "Decimal7",
        required: false,
        description:
          "0.2500000 (default), 0.5000000 or 1.0000000: fixed, nested bands (free widths allow differencing)",
      }),
    },
    resolve: async (_root, args, context) => {
      const width = BAND_WIDTHS.find((w) => Number(w) === Number(args.bandWidth ?? "0.25"));
      if (!width) {
        throw new ValidationError(
          [{ field: "bandWidth", message: "must be 0.2500000, 0.5000000 or 1.0000000" }],
          "bandWidth must be 0.2500000, 0.5000000 or 1.0000000",
        );
      }
      return bandsOf(await context.statistics.snapshot(INDEX_DISTRIBUTION.name), width);
    },
  }),
}));
