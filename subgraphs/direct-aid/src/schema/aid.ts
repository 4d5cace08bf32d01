import { catalogue, HISTORY, needs, PARTS, rowPolicy } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import type { Application, Enrolment, PaymentOrder as PaymentOrderRow } from "../../generated/prisma/index.js";
import { HOUSEHOLD_ROWS, ORDER_ROWS } from "../access.js";
import type { Context } from "../context.js";
import type { Component } from "../domain/entitlement.js";
import { APPEAL_DAYS, appealDecision, applyForDirectAid } from "../services/applications.js";
import { builder } from "./builder.js";

/**
 * The institutions that pay direct aid: the catalogue's agencies of kind `payment-institution`.
 * Onboarding one is a catalogue change; `npm run compose` adds it to the `PaymentInstitution` enum.
 */
export const INSTITUTIONS: readonly string[] = catalogue()
  .agencies.filter((agency) => agency.kind === "payment-institution")
  .map((agency) => agency.code);

const InstitutionEnum = builder.enumType("PaymentInstitution", { values: INSTITUTIONS });
const ApplicationStatusEnum = builder.enumType("DirectAidDecision", { values: ["ACCEPTED", "REFUSED"] as const });
const EnrolmentStatusEnum = builder.enumType("DirectAidStatus", { values: ["ACTIVE", "SUSPENDED", "ENDED"] as const });
export const OrderStatusEnum = builder.enumType("PaymentStatus", {
  values: ["ISSUED", "PAID", "FAILED", "RETURNED"] as const,
});

/** What an entitlement is made of: read with the enrolment, or with the orders that pay it. */
const ENTITLEMENT = needs("aid:enrolment", "aid:payments");

const ComponentRef = builder.objectRef<Component>("EntitlementComponent").implement({
  fields: (t) => ({
    reason: t.exposeString("reason", ENTITLEMENT),
    amount: t.expose("amount", { type: "MadAmount", ...ENTITLEMENT }),
  }),
});

const MonthlyEntitlement = builder
  .objectRef<{ amount: number; components: Component[] }>("MonthlyEntitlement")
  .implement({
    fields: (t) => ({
      amount: t.expose("amount", { type: "MadAmount", ...ENTITLEMENT }),
      currency: t.string({ ...ENTITLEMENT, resolve: () => "MAD" }),
      components: t.field({ type: [ComponentRef], ...ENTITLEMENT, ...PARTS, resolve: (e) => e.components }),
    }),
  });

/** The population register's Person: a payment order's beneficiary is referred to by IDCS. */
const PersonRef = builder.externalRef("Person", builder.selection<{ idcs: string }>("idcs")).implement({
  externalFields: (t) => ({ idcs: t.id() }),
});

/** What a payment institution needs to pay an order, without what the amount is made of. */
const PAYOUT = needs("aid:payments", "aid:payout");

export const PaymentOrder = builder.prismaObject("PaymentOrder", {
  description: "One month's payment to a household, through its payment institution",
  // Orders are read nationwide, in a case worker's region, by their beneficiary, or by the
  // payment institution that pays them.
  ...rowPolicy<PaymentOrderRow, Context>(
    [...ORDER_ROWS],
    (order, context) => ({
      region: order.regionCode,
      self: () => order.beneficiaryIdcs === context.caller.idcs,
      ownPayments: () => order.institution === context.caller.agency,
    }),
    (order) => [order.beneficiaryIdcs],
  ),
  fields: (t) => ({
    id: t.exposeID("id", PAYOUT),
    householdId: t.exposeID("householdId", needs("aid:payments")),
    month: t.exposeString("month", PAYOUT),
    amount: t.expose("amount", { type: "MadAmount", ...PAYOUT }),
    currency: t.string({ ...PAYOUT, resolve: () => "MAD" }),
    components: t.field({
      type: [ComponentRef],
      ...needs("aid:payments"),
      ...PARTS,
      resolve: (o) => o.components as unknown as Component[],
    }),
    institution: t.field({
      type: InstitutionEnum,
      ...PAYOUT,
      resolve: (o) => o.institution,
    }),
    status: t.expose("status", { type: OrderStatusEnum, ...PAYOUT }),
    reference: t.exposeString("reference", PAYOUT),
    issuedAt: t.expose("issuedAt", { type: "DateTime", ...PAYOUT }),
    outcomeAt: t.expose("outcomeAt", { type: "DateTime", ...PAYOUT }),
    beneficiary: t.field({
      type: PersonRef,
      ...PAYOUT,
      description: "Who is paid: the head of household when the order was issued",
      resolve: (o) => ({ idcs: o.beneficiaryIdcs }),
    }),
  }),
});

const ENROLMENT = needs("aid:enrolment");

const DirectAidApplication = builder.prismaObject("Application", {
  name: "DirectAidApplication",
  ...rowPolicy<Application, Context>(
    [...HOUSEHOLD_ROWS],
    (application, context) => ({
      region: application.regionCode,
      self: () => application.headIdcs === context.caller.idcs,
    }),
    (application) => [application.headIdcs],
  ),
  fields: (t) => ({
    id: t.exposeID("id", ENROLMENT),
    householdId: t.exposeID("householdId", ENROLMENT),
    decision: t.expose("status", { type: ApplicationStatusEnum, ...ENROLMENT }),
    reasons: t.exposeStringList("reasons", ENROLMENT),
    scoreUsed: t.string({
      // The index itself is social-register data: the decision's reasons do not need it.
      ...needs(["aid:enrolment", "social:index"]),
      resolve: (a) => a.scoreUsed?.toFixed(7) ?? null,
    }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", ...ENROLMENT }),
    appealDeadline: t.expose("appealDeadline", { type: "DateTime", ...ENROLMENT }),
    appealed: t.boolean({
      ...ENROLMENT,
      resolve: async (a, _args, context) => (await context.loaders.appeal.load(a.id)) !== null,
    }),
  }),
});

const DirectAid = builder.prismaObject("Enrolment", {
  name: "DirectAid",
  description: "The household's direct social aid: status, this month's entitlement and payments",
  ...rowPolicy<Enrolment, Context>(
    [...HOUSEHOLD_ROWS],
    (enrolment, context) => ({
      region: enrolment.regionCode,
      self: () => enrolment.headIdcs === context.caller.idcs,
    }),
    (enrolment) => [enrolment.headIdcs],
  ),
  fields: (t) => ({
    status: t.expose("status", { type: EnrolmentStatusEnum, ...ENROLMENT }),
    since: t.expose("since", { type: "DateTime", ...ENROLMENT }),
    institution: t.field({
      type: InstitutionEnum,
      ...ENROLMENT,
      resolve: (e) => e.institution,
    }),
    children: t.exposeInt("children", { ...ENROLMENT, description: "Children counted (at most six)" }),
    monthlyEntitlement: t.field({
      type: MonthlyEntitlement,
      ...ENROLMENT,
      resolve: (e) => ({ amount: e.entitlement, components: e.entitlementComponents as unknown as Component[] }),
    }),
    payments: t.field({
      type: [PaymentOrder],
      ...needs("aid:payments"),
      description: "The latest orders, newest first: those of the caller's rows only (region, beneficiary)",
      args: { last: t.arg.int({ required: false, defaultValue: 12 }) },
      listSize: { slicingArguments: ["last"], requireOneSlicingArgument: false },
      resolve: async (enrolment, { last }, context) =>
        (await context.loaders.payments.load(enrolment.householdId)).slice(0, Math.min(Math.max(last ?? 12, 1), 120)),
    }),
  }),
});

builder.externalRef("Household", builder.selection<{ id: string }>("id")).implement({
  externalFields: (t) => ({ id: t.id() }),
  fields: (t) => ({
    directAid: t.field({
      type: DirectAid,
      ...ENROLMENT,
      description: "Direct social aid, if the household is enrolled",
      resolve: ({ id }, _args, context) => (isUuid(id) ? context.loaders.enrolment.load(id) : null),
    }),
    directAidApplications: t.field({
      type: [DirectAidApplication],
      ...ENROLMENT,
      ...HISTORY,
      description: "Applications and their decisions, newest first: those of the caller's rows only (region, head)",
      resolve: ({ id }, _args, context) => context.loaders.applications.load(id),
    }),
  }),
});

const ApplyInput = builder.inputType("DirectAidApplicationInput", {
  fields: (t) => ({
    otherFamilyAllowance: t.boolean({
      required: true,
      description: "Declared: the household receives another family allowance",
    }),
    paymentInstitution: t.field({ type: InstitutionEnum, required: true }),
  }),
});

builder.mutationFields((t) => ({
  applyForDirectAid: t.prismaField({
    type: "Application",
    ...needs("aid:enrol"),
    description:
      "Decides an application from the social register (index at or below 9.743001 now) and the declared exclusions; records the answer with its reasons and, when accepted, enrols the household.",
    args: {
      householdId: t.arg.id({ required: true }),
      input: t.arg({ type: ApplyInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const { id } = await applyForDirectAid(context, args);
      return context.prisma.application.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  appealDirectAidDecision: t.prismaField({
    type: "Application",
    ...needs("aid:enrol"),
    description: `Appeals a refusal, within ${APPEAL_DAYS} days of the decision.`,
    args: {
      applicationId: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      await appealDecision(context, args);
      // `appealed` of the answer is read after the appeal, not from what this request saw before.
      context.loaders.appeal.clear(args.applicationId);
      return context.prisma.application.findUniqueOrThrow({ ...query, where: { id: args.applicationId } });
    },
  }),
}));
