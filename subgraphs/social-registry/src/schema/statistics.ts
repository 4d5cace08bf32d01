import { thresholdOn } from "@spx/reference/thresholds";
import { needs, STATISTICS } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import { builder } from "./builder.js";
import { MilieuEnum } from "./household.js";

const Dimension = builder.enumType("HouseholdStatisticDimension", { values: ["REGION", "MILIEU"] as const });

interface Cell {
  region: string | null;
  milieu: "URBAN" | "RURAL" | null;
  households: number;
  members: number;
  scored: number;
  eligibleAmoTadamon: number;
  eligibleDirectAid: number;
  computedAt: Date;
}

const HouseholdStatisticCell = builder.objectRef<Cell>("HouseholdStatisticCell").implement({
  fields: (t) => ({
    region: t.exposeString("region", needs("stats:read")),
    milieu: t.expose("milieu", { type: MilieuEnum, ...needs("stats:read") }),
    households: t.exposeInt("households", needs("stats:read")),
    members: t.exposeInt("members", needs("stats:read")),
    scored: t.exposeInt("scored", { ...needs("stats:read"), description: "Households with an index in force" }),
    eligibleAmoTadamon: t.exposeInt("eligibleAmoTadamon", needs("stats:read")),
    eligibleDirectAid: t.exposeInt("eligibleDirectAid", needs("stats:read")),
    computedAt: t.expose("computedAt", {
      type: "DateTime",
      ...needs("stats:read"),
      description: "When this answer was computed: the same answer is served for up to STATISTICS_MAX_AGE_SECONDS",
    }),
  }),
});

const IndexBand = builder
  .objectRef<{ from: string; to: string; households: number; computedAt: Date }>("IndexBand")
  .implement({
    fields: (t) => ({
      from: t.expose("from", { type: "Decimal7", ...needs("stats:read") }),
      to: t.expose("to", { type: "Decimal7", ...needs("stats:read") }),
      households: t.exposeInt("households", needs("stats:read")),
      computedAt: t.expose("computedAt", {
        type: "DateTime",
        ...needs("stats:read"),
        description: "When this answer was computed: the same answer is served for up to STATISTICS_MAX_AGE_SECONDS",
      }),
    }),
  });

builder.queryFields((t) => ({
  householdStatistics: t.field({
    type: [HouseholdStatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description: "Active households, their members and eligible households, by region and/or milieu",
    args: { by: t.arg({ type: [Dimension], required: true }) },
    resolve: (_root, args, context) =>
      context.aggregates.cells(`householdStatistics:${JSON.stringify(args)}`, async () => {
        const now = new Date();
        const tadamon = thresholdOn(context.data.thresholds, "AMO_TADAMON", now)?.threshold ?? "-1";
        const directAid = thresholdOn(context.data.thresholds, "DIRECT_AID", now)?.threshold ?? "-1";
        const dims = [...new Set(args.by)];
        // Fixed expressions only: nothing from the request is spliced into SQL.
        const columns = dims.map((d) => (d === "REGION" ? "h.region_code AS region" : "h.milieu::text AS milieu"));
        const groupBy = dims.map((_d, i) => String(i + 1));
        const rows = await context.prisma.$queryRawUnsafe<Record<string, string | number | null>[]>(
          `SELECT ${[
            ...columns,
            "count(*)::int AS households",
            "sum(m.n)::int AS members",
            "count(c.score)::int AS scored",
            "count(*) FILTER (WHERE c.score <= $1::numeric)::int AS tadamon",
            "count(*) FILTER (WHERE c.score <= $2::numeric)::int AS direct_aid",
          ].join(", ")}
         FROM household h
         JOIN (SELECT household_id, count(*) AS n FROM membership WHERE until IS NULL GROUP BY household_id) m
           ON m.household_id = h.id
         LEFT JOIN index_computation c ON c.household_id = h.id AND c.current
         WHERE h.status = 'ACTIVE'
         ${groupBy.length ? `GROUP BY ${groupBy.join(", ")} ORDER BY ${groupBy.join(", ")}` : ""}`,
          tadamon,
          directAid,
        );
        return rows.map((row) => ({
          region: (row.region as string | undefined) ?? null,
          milieu: (row.milieu as Cell["milieu"] | undefined) ?? null,
          households: Number(row.households),
          members: Number(row.members ?? 0),
          scored: Number(row.scored),
          eligibleAmoTadamon: Number(row.tadamon),
          eligibleDirectAid: Number(row.direct_aid),
        }));
      }),
  }),
  indexDistribution: t.field({
    type: [IndexBand],
    ...needs("stats:read"),
    ...STATISTICS,
    description: "How many households' index in force falls in each band (default width 0.25)",
    args: { bandWidth: t.arg({ type: "Decimal7", required: false }) },
    resolve: (_root, args, context) =>
      context.aggregates.cells(`indexDistribution:${JSON.stringify(args)}`, async () => {
        const width = args.bandWidth ?? "0.2500000";
        if (Number(width) < 0.01 || Number(width) > 5) {
          throw new ValidationError([{ field: "bandWidth", message: "must be between 0.01 and 5" }]);
        }
        const rows = await context.prisma.$queryRawUnsafe<{ band: string; households: number }[]>(
          `SELECT (floor(score / $1::numeric) * $1::numeric)::numeric(12,7)::text AS band, count(*)::int AS households
         FROM index_computation WHERE current GROUP BY 1 ORDER BY 1`,
          width,
        );
        return rows.map((row) => ({
          from: Number(row.band).toFixed(7),
          to: (Number(row.band) + Number(width)).toFixed(7),
          households: Number(row.households),
        }));
      }),
  }),
}));
