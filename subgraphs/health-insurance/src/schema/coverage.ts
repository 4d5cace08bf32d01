import { HISTORY, needs, rowPolicy, STATISTICS } from "@spx/runtime/access";
import type { Context } from "../context.js";
import { effectiveStatus } from "../domain/regimes.js";
import type { CoverageWithAffiliation } from "../loaders.js";
import { AffiliationStatusEnum, CoverageRoleEnum, PayerEnum, RegimeEnum } from "./affiliation.js";
import { builder } from "./builder.js";

/** A coverage is read nationwide, in a case worker's region, or by the covered person or their principal. */
export const COVERAGE_ROWS = ["sameRegion", "self"] as const;

const HealthCoverage = builder.objectRef<CoverageWithAffiliation>("HealthCoverage").implement({
  description: "A person's AMO coverage, as principal insured or as dependant",
  // Every resolver returning a HealthCoverage loads it with its affiliation: the check needs no query.
  ...rowPolicy<CoverageWithAffiliation, Context>(
    [...COVERAGE_ROWS],
    (coverage, context) => ({
      region: coverage.affiliation.regionCode,
      self: () =>
        coverage.personIdcs === context.caller.idcs || coverage.affiliation.principalIdcs === context.caller.idcs,
    }),
    (coverage) => [coverage.personIdcs],
  ),
  fields: (t) => ({
    regime: t.field({ type: RegimeEnum, ...needs("health:coverage"), resolve: (c) => c.affiliation.regime }),
    role: t.expose("role", { type: CoverageRoleEnum, ...needs("health:coverage") }),
    payer: t.field({ type: PayerEnum, ...needs("health:coverage"), resolve: (c) => c.affiliation.payer }),
    status: t.field({
      type: AffiliationStatusEnum,
      ...needs("health:coverage"),
      resolve: (c) => (c.until ? "CLOSED" : effectiveStatus(c.affiliation.status, c.affiliation.rightsFrom)),
    }),
    since: t.expose("since", { type: "DateTime", ...needs("health:coverage") }),
    until: t.expose("until", { type: "DateTime", ...needs("health:coverage") }),
    endReason: t.exposeString("endReason", needs("health:coverage")),
    affiliationId: t.exposeID("affiliationId", needs("health:coverage")),
    principalIdcs: t.field({
      type: "ID",
      ...needs("health:coverage"),
      resolve: (c) => c.affiliation.principalIdcs,
    }),
  }),
});

/** The population register's Person, extended with health coverage. */
builder.externalRef("Person", builder.selection<{ idcs: string }>("idcs")).implement({
  externalFields: (t) => ({ idcs: t.id() }),
  fields: (t) => ({
    healthCoverage: t.field({
      type: HealthCoverage,
      ...needs("health:coverage"),
      description: "Current coverage, whether principal or dependant",
      resolve: ({ idcs }, _args, context) => context.loaders.currentCoverage.load(idcs),
    }),
    coverageHistory: t.field({
      type: [HealthCoverage],
      ...needs("health:coverage"),
      ...HISTORY,
      // A coverage outside the caller's rows (an earlier affiliation in another region) is null on
      // its own, without blanking the rest of the history.
      nullable: { list: true, items: true },
      description: "Every coverage, newest first",
      resolve: ({ idcs }, _args, context) => context.loaders.coverageHistory.load(idcs),
    }),
  }),
});

const Dimension = builder.enumType("CoverageStatisticDimension", {
  values: ["REGIME", "ROLE", "REGION", "STATUS"] as const,
});

interface Cell {
  regime: string | null;
  role: string | null;
  region: string | null;
  status: string | null;
  beneficiaries: number;
  computedAt: Date;
}

const CoverageStatisticCell = builder.objectRef<Cell>("CoverageStatisticCell").implement({
  fields: (t) => ({
    regime: t.field({
      type: RegimeEnum,
      ...needs("stats:read"),
      resolve: (c) => c.regime as typeof RegimeEnum.$inferType | null,
    }),
    role: t.field({
      type: CoverageRoleEnum,
      ...needs("stats:read"),
      resolve: (c) => c.role as "PRINCIPAL" | "DEPENDANT" | null,
    }),
    region: t.exposeString("region", needs("stats:read")),
    status: t.field({
      type: AffiliationStatusEnum,
      ...needs("stats:read"),
      resolve: (c) => c.status as typeof AffiliationStatusEnum.$inferType | null,
    }),
    beneficiaries: t.exposeInt("beneficiaries", needs("stats:read")),
    computedAt: t.expose("computedAt", {
      type: "DateTime",
      ...needs("stats:read"),
      description: "When this answer was computed: the same answer is served for up to STATISTICS_MAX_AGE_SECONDS",
    }),
  }),
});

// Fixed expressions only: nothing from the request is spliced into SQL.
const COLUMNS = {
  REGIME: "a.regime::text AS regime",
  ROLE: "c.role::text AS role",
  REGION: "a.region_code AS region",
  STATUS: `(CASE WHEN a.status = 'PENDING' AND a.rights_from <= current_date THEN 'ACTIVE' ELSE a.status::text END) AS status`,
} as const;

builder.queryField("coverageStatistics", (t) =>
  t.field({
    type: [CoverageStatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description: "People currently covered, by regime, role, region and status",
    args: { by: t.arg({ type: [Dimension], required: true }) },
    resolve: (_root, args, context) =>
      context.aggregates.cells(`coverageStatistics:${JSON.stringify(args)}`, async () => {
        const dims = [...new Set(args.by)];
        const groupBy = dims.map((_d, i) => String(i + 1));
        const rows = await context.prisma.$queryRawUnsafe<Record<string, string | number | null>[]>(
          `SELECT ${[...dims.map((d) => COLUMNS[d]), "count(*)::int AS beneficiaries"].join(", ")}
         FROM coverage c JOIN affiliation a ON a.id = c.affiliation_id
         WHERE c.until IS NULL
         ${groupBy.length ? `GROUP BY ${groupBy.join(", ")} ORDER BY ${groupBy.join(", ")}` : ""}`,
        );
        return rows.map((row) => ({
          regime: (row.regime as string | undefined) ?? null,
          role: (row.role as string | undefined) ?? null,
          region: (row.region as string | undefined) ?? null,
          status: (row.status as string | undefined) ?? null,
          beneficiaries: Number(row.beneficiaries),
        }));
      }),
  }),
);
