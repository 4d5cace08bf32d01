import { HOUSEHOLD_MEMBERS, needs, needsNationwide, rowPolicy } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import { NotFoundError } from "@spx/runtime/errors";
import type { Affiliation as AffiliationRow } from "../../generated/prisma/index.js";
import { AFFILIATION_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { effectiveStatus } from "../domain/regimes.js";
import { changeStatus, enrolAmoTadamon, registerAffiliation } from "../services/affiliations.js";
import { recordAchamilContribution } from "../services/contributions.js";
import { closeCoverageOfDeceased } from "../services/deceased-coverage.js";
import { builder } from "./builder.js";

export const RegimeEnum = builder.enumType("Regime", {
  values: ["AMO_TADAMON", "AMO_SALARIED", "AMO_TNS", "AMO_ACHAMIL"] as const,
});
export const PayerEnum = builder.enumType("ContributionPayer", { values: ["STATE", "EMPLOYER", "SELF"] as const });
export const AffiliationStatusEnum = builder.enumType("AffiliationStatus", {
  values: ["PENDING", "ACTIVE", "SUSPENDED", "CLOSED"] as const,
});
export const CoverageRoleEnum = builder.enumType("CoverageRole", { values: ["PRINCIPAL", "DEPENDANT"] as const });
const OtherRegimeEnum = builder.enumType("ContributoryRegime", {
  values: ["AMO_SALARIED", "AMO_TNS", "AMO_ACHAMIL"] as const,
});
const DependantRelationEnum = builder.enumType("DependantRelation", { values: ["SPOUSE", "CHILD"] as const });

export const CoveredPerson = builder.prismaObject("Coverage", {
  name: "CoveredPerson",
  fields: (t) => ({
    idcs: t.exposeID("personIdcs", needs("health:coverage")),
    role: t.expose("role", { type: CoverageRoleEnum, ...needs("health:coverage") }),
    dependantKind: t.exposeString("dependantKind", {
      ...needs("health:coverage"),
      description: "SPOUSE, CHILD, STUDENT_CHILD or DISABLED_CHILD",
    }),
    since: t.expose("since", { type: "DateTime", ...needs("health:coverage") }),
    until: t.expose("until", { type: "DateTime", ...needs("health:coverage") }),
    endReason: t.exposeString("endReason", needs("health:coverage")),
  }),
});

export const Affiliation = builder.prismaObject("Affiliation", {
  description: "An AMO affiliation: a principal insured person, a regime, who pays, and who is covered",
  // `self`: the caller is the principal or one of the covered, from the coverages the `covered`
  // field loads anyway (one batched query per request, never one per row).
  ...rowPolicy<AffiliationRow, Context>(
    [...AFFILIATION_ROWS],
    (affiliation, context) => ({
      region: affiliation.regionCode,
      self: async () => {
        const { idcs } = context.caller;
        if (!idcs) {
          return false;
        }
        if (affiliation.principalIdcs === idcs) {
          return true;
        }
        const covered = await context.loaders.coverages.load(affiliation.id);
        return covered.some((coverage) => coverage.personIdcs === idcs);
      },
    }),
    (affiliation) => affiliation.principalIdcs,
  ),
  fields: (t) => ({
    id: t.exposeID("id", needs("health:coverage")),
    principalIdcs: t.exposeID("principalIdcs", needs("health:coverage")),
    regime: t.expose("regime", { type: RegimeEnum, ...needs("health:coverage") }),
    payer: t.expose("payer", { type: PayerEnum, ...needs("health:coverage") }),
    status: t.field({
      type: AffiliationStatusEnum,
      ...needs("health:coverage"),
      description:
        "PENDING until rights open (AMO Achamil: no rights before the first contribution, then three months later)",
      resolve: (a) => effectiveStatus(a.status, a.rightsFrom),
    }),
    statusReason: t.exposeString("statusReason", needs("health:coverage")),
    regionCode: t.exposeString("regionCode", needs("health:coverage")),
    householdId: t.exposeID("householdId", needs("health:coverage")),
    // The social register's index the decision relied on: never for the insurer's partners, who
    // hold health:coverage without social:index.
    scoreUsed: t.string({
      ...needs(["health:coverage", "social:index"]),
      resolve: (a) => a.scoreUsed?.toFixed(7) ?? null,
    }),
    modelVersionUsed: t.exposeString("modelVersionUsed", needs(["health:coverage", "social:index"])),
    openedAt: t.expose("openedAt", { type: "DateTime", ...needs("health:coverage") }),
    rightsFrom: t.expose("rightsFrom", {
      type: "Date",
      ...needs("health:coverage"),
      description: "The day rights open; null for AMO Achamil until the first contribution is recorded",
    }),
    covered: t.field({
      type: [CoveredPerson],
      ...needs("health:coverage"),
      // The principal and their dependants: at most a household.
      ...HOUSEHOLD_MEMBERS,
      resolve: (a, _args, context) => context.loaders.coverages.load(a.id),
    }),
  }),
});

const AffiliationPayload = builder.objectRef<{ id: string }>("AffiliationPayload").implement({
  fields: (t) => ({
    affiliation: t.field({
      type: Affiliation,
      ...needs("health:enrol"),
      resolve: async ({ id }, _args, context) => {
        context.loaders.affiliation.clear(id);
        context.loaders.coverages.clear(id);
        const affiliation = await context.loaders.affiliation.load(id);
        if (!affiliation) {
          throw new NotFoundError("Affiliation");
        }
        return affiliation;
      },
    }),
  }),
});

const DependantInput = builder.inputType("DependantInput", {
  fields: (t) => ({
    idcs: t.id({ required: true }),
    relation: t.field({ type: DependantRelationEnum, required: true }),
    unmarried: t.boolean({
      required: false,
      deprecationReason: "Ignored: the population register's marital status decides",
    }),
    inHigherEducation: t.boolean({
      required: false,
      deprecationReason: "Ignored: the enrolment declared in the social register decides",
    }),
    disabled: t.boolean({
      required: false,
      deprecationReason: "Ignored: the disability recognised in the population register decides",
    }),
  }),
});

const RegisterAffiliationInput = builder.inputType("RegisterAffiliationInput", {
  fields: (t) => ({
    principalIdcs: t.id({ required: true }),
    regime: t.field({ type: OtherRegimeEnum, required: true }),
    dependants: t.field({ type: [DependantInput], required: false, defaultValue: [] }),
    firstPaymentDate: t.field({
      type: "Date",
      required: false,
      deprecationReason: "Refused for AMO Achamil: record the first contribution with recordAchamilContribution",
    }),
    fromTadamon: t.boolean({
      required: false,
      deprecationReason: "Derived from this register's history (a true value without AMO-Tadamon coverage is refused)",
    }),
  }),
});

builder.mutationFields((t) => ({
  enrollAmoTadamon: t.field({
    type: AffiliationPayload,
    ...needs("health:enrol"),
    description:
      "Enrols a household in AMO-Tadamon if the social register says it is eligible now: the head as principal, every entitled member as dependant. Records the score and model version relied on. Enrolling an enrolled household returns its affiliation.",
    args: { householdId: t.arg.id({ required: true }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => enrolAmoTadamon(context, args),
  }),
  registerAffiliation: t.field({
    type: AffiliationPayload,
    ...needs("health:enrol"),
    description:
      "Affiliates a principal to a contributory regime (salaried, self-employed, Achamil) with the dependants claimed, each checked against the registers' facts (marriages, filiation, kafala, disability, enrolment). AMO Achamil: persons with no activity; PENDING without rights until the first contribution.",
    args: {
      input: t.arg({ type: RegisterAffiliationInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, { input, idempotencyKey }, context) => registerAffiliation(context, input, idempotencyKey),
  }),
  recordAchamilContribution: t.field({
    type: AffiliationPayload,
    ...needs("health:enrol"),
    description:
      "Records an AMO Achamil contribution (one per month). The first opens rights three months after the day it was paid (the same day of the month, or the month's last day: 30 Nov gives 28/29 Feb), at once for a former AMO-Tadamon member; until then the affiliation is PENDING without rights.",
    args: {
      affiliationId: t.arg.id({ required: true }),
      month: t.arg.string({ required: true, description: "The month paid for, YYYY-MM" }),
      paidOn: t.arg({ type: "Date", required: true }),
      amountCentimes: t.arg.int({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) =>
      recordAchamilContribution(context, { ...args, affiliationId: String(args.affiliationId) }),
  }),
  closeCoverageOfDeceased: t.int({
    ...needsNationwide("health:enrol"),
    // Walks every coverage nationwide and asks the population register about each batch.
    cost: 1000,
    description:
      "Asks the population register, in batches through the graph, who among the covered has died, and ends their coverage (closing the affiliation when the principal died). Returns how many coverages ended.",
    resolve: (_root, _args, context) => closeCoverageOfDeceased(context.prisma, context.graph),
  }),
}));

// Suspending, reinstating and closing differ only in the status they move to.
for (const [name, to, description] of [
  ["suspendAffiliation", "SUSPENDED", "Suspends an affiliation, with the reason"],
  ["reinstateAffiliation", "ACTIVE", "Reinstates a suspended affiliation, with the reason"],
  ["closeAffiliation", "CLOSED", "Closes an affiliation and ends its coverages, with the reason"],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: AffiliationPayload,
      ...needs("health:enrol"),
      description,
      args: {
        id: t.arg.id({ required: true }),
        reason: t.arg.string({ required: true }),
        idempotencyKey: t.arg.string({ required: false }),
      },
      resolve: (_root, args, context) => changeStatus(context, args.id, to, args.reason, args.idempotencyKey),
    }),
  );
}

builder.queryField("affiliation", (t) =>
  t.field({
    type: Affiliation,
    // The row itself is decided by the Affiliation type's policy.
    ...needs("health:coverage"),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => (isUuid(id) ? context.loaders.affiliation.load(id) : null),
  }),
);
