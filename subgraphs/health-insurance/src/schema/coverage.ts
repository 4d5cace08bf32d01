import { HISTORY, needs, rowPolicy } from "@spx/runtime/access";
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
    (coverage) => coverage.personIdcs,
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
    amoNotices: t.prismaField({
      type: ["Notice"],
      ...needs("health:coverage"),
      ...HISTORY,
      // A notice outside the caller's rows is null on its own.
      nullable: { list: true, items: true },
      description: "Notices of the AMO affiliations covering the person (as principal or dependant), newest first",
      resolve: (_query, { idcs }, _args, context) => context.loaders.notices.load(idcs),
    }),
  }),
});
