import { needs, STATISTICS } from "@spx/runtime/access";
import {
  type AnswerCell,
  answerCells,
  type StatisticDeclaration,
  singleLattice,
  statisticsTypes,
} from "@spx/runtime/statistics";
import { AffiliationStatusEnum, CoverageRoleEnum, RegimeEnum } from "./affiliation.js";
import { builder } from "./builder.js";

const { cellFields } = statisticsTypes(builder);

const Dimension = builder.enumType("CoverageStatisticDimension", {
  values: ["REGIME", "ROLE", "REGION", "STATUS"] as const,
});

const DIMENSIONS: Record<typeof Dimension.$inferType, string> = {
  REGIME: "regime",
  ROLE: "role",
  REGION: "region",
  STATUS: "status",
};

/** People currently covered, by regime, role, region and (effective) status. */
export const COVERAGE_STATISTICS: StatisticDeclaration = {
  name: "coverageStatistics",
  spec: {
    dimensions: [{ name: "regime" }, { name: "role" }, { name: "region" }, { name: "status" }],
    measures: [{ kind: "count", name: "beneficiaries" }],
  },
  // Fixed expressions only; a pending affiliation whose rights have started counts as active.
  sql: `SELECT regime, role, region, status, count(*)::int AS beneficiaries
    FROM (SELECT a.regime::text AS regime, c.role::text AS role, a.region_code AS region,
                 (CASE WHEN a.status = 'PENDING' AND a.rights_from <= current_date THEN 'ACTIVE'
                       ELSE a.status::text END) AS status
          FROM coverage c JOIN affiliation a ON a.id = c.affiliation_id
          WHERE c.until IS NULL) x
    GROUP BY CUBE (regime, role, region, status)`,
  cells: singleLattice({
    dimensions: { regime: "regime", role: "role", region: "region", status: "status" },
    counts: { beneficiaries: "beneficiaries" },
  }),
};

const CoverageStatisticCell = builder.objectRef<AnswerCell>("CoverageStatisticCell").implement({
  description: "People covered sharing the requested dimensions; a dimension not requested, or totalled over, is null",
  fields: (t) => ({
    regime: t.field({
      type: RegimeEnum,
      ...needs("stats:read"),
      resolve: (c) => (c.at.regime ?? null) as typeof RegimeEnum.$inferType | null,
    }),
    role: t.field({
      type: CoverageRoleEnum,
      ...needs("stats:read"),
      resolve: (c) => (c.at.role ?? null) as typeof CoverageRoleEnum.$inferType | null,
    }),
    region: t.string({ ...needs("stats:read"), resolve: (c) => c.at.region ?? null }),
    status: t.field({
      type: AffiliationStatusEnum,
      ...needs("stats:read"),
      resolve: (c) => (c.at.status ?? null) as typeof AffiliationStatusEnum.$inferType | null,
    }),
    beneficiaries: t.int({
      ...needs("stats:read"),
      description: "People covered; null when not published (see suppressed)",
      resolve: (c) => c.values.beneficiaries ?? null,
    }),
    ...cellFields(t, 1),
  }),
});

builder.queryField("coverageStatistics", (t) =>
  t.field({
    type: [CoverageStatisticCell],
    ...needs("stats:read"),
    ...STATISTICS,
    description:
      "People currently covered, by regime, role, region and status; with totals, every total over any of them too",
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
        await context.statistics.snapshot(COVERAGE_STATISTICS.name),
        args.by.map((d) => DIMENSIONS[d]),
        args.totals === true,
      ),
  }),
);
