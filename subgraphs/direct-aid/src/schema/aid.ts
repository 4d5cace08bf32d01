import { catalogue, HISTORY, needs, PARTS, rowPolicy } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import type { Appeal, Application, Enrolment, PaymentOrder as PaymentOrderRow } from "../../generated/prisma/index.js";
import { HOUSEHOLD_ROWS, ORDER_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { PAYEE_BASES } from "../domain/aid-rules.js";
import type { Component } from "../domain/entitlement.js";
import { APPEAL_DAYS, appealDecision, applyForDirectAid, decideAppeal } from "../services/applications.js";
import { builder } from "./builder.js";
import { AidNotice, NOTICES } from "./notices.js";

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

const PayeeBasisEnum = builder.enumType("PayeeBasis", {
  description:
    "Why this person is paid (decree 2.23.1067's order): the husband, the mother of the children counted, their custodian, kafala holder or legal guardian; HEAD: who registered the household (the flat allowance, or when none of those is a living member)",
  values: PAYEE_BASES,
});
const AppealStatusEnum = builder.enumType("DirectAidAppealStatus", {
  values: {
    OPEN: { description: "Awaiting the agency's answer" },
    UPHELD: { description: "Accepted: the household is enrolled from the refused decision's date, arrears paid" },
    DISMISSED: { description: "Rejected" },
  } as const,
});
const AppealDecisionEnum = builder.enumType("DirectAidAppealDecision", { values: ["ACCEPT", "REJECT"] as const });

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
  fields: (t) => ({
    aidNotices: t.field({
      type: [AidNotice],
      ...NOTICES,
      description: "Direct-aid notices of the households the person heads or is paid for, newest first",
      resolve: ({ idcs }, _args, context) => context.loaders.personNotices.load(idcs),
    }),
  }),
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
    (order) => order.beneficiaryIdcs,
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
      description: "Who is paid, in the decree's order when the order was issued (see beneficiaryBasis)",
      resolve: (o) => ({ idcs: o.beneficiaryIdcs }),
    }),
    beneficiaryBasis: t.field({
      type: PayeeBasisEnum,
      ...PAYOUT,
      description: "Why the beneficiary is paid; HEAD for orders issued before the payee order was applied",
      resolve: (o) => (o.beneficiaryBasis as (typeof PAYEE_BASES)[number] | null) ?? "HEAD",
    }),
  }),
});

const ENROLMENT = needs("aid:enrolment");

const DirectAidAppeal = builder.prismaObject("Appeal", {
  name: "DirectAidAppeal",
  description: "The appeal of a refusal and the agency's answer",
  fields: (t) => ({
    id: t.exposeID("id", ENROLMENT),
    reason: t.exposeString("reason", ENROLMENT),
    filedAt: t.expose("filedAt", { type: "DateTime", ...ENROLMENT }),
    status: t.expose("status", { type: AppealStatusEnum, ...ENROLMENT }),
    answerDue: t.expose("answerDue", {
      type: "DateTime",
      ...ENROLMENT,
      description: "The end of the last day the agency has to answer (30 calendar days, Africa/Casablanca)",
    }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", ...ENROLMENT }),
    decisionReasons: t.exposeStringList("decisionReasons", ENROLMENT),
    decidedBy: t.exposeString("decidedBy", {
      ...needs("aid:appeal-decide"),
      description: "The deciding official's subject (an account identifier, not a name)",
    }),
  }),
});

const DirectAidApplication = builder.prismaObject("Application", {
  name: "DirectAidApplication",
  ...rowPolicy<Application, Context>(
    [...HOUSEHOLD_ROWS],
    (application, context) => ({
      region: application.regionCode,
      self: () => application.headIdcs === context.caller.idcs,
    }),
    (application) => application.headIdcs,
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
    appeal: t.field({
      type: DirectAidAppeal,
      ...ENROLMENT,
      resolve: (a, _args, context) => context.loaders.appeal.load(a.id) as Promise<Appeal | null>,
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
    (enrolment) => enrolment.headIdcs,
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
    payee: t.field({
      type: PersonRef,
      ...ENROLMENT,
      description: "Who is paid, in the decree's order, as last computed (see payeeBasis)",
      resolve: (e) => ({ idcs: e.payeeIdcs ?? e.headIdcs }),
    }),
    payeeBasis: t.field({
      type: PayeeBasisEnum,
      ...ENROLMENT,
      resolve: (e) => (e.payeeBasis as (typeof PAYEE_BASES)[number] | null) ?? "HEAD",
    }),
    statusReason: t.exposeString("statusReason", {
      ...ENROLMENT,
      description: "Why the enrolment is suspended, ended or was reinstated",
    }),
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
    aidNotices: t.field({
      type: [AidNotice],
      ...NOTICES,
      description: "Direct-aid notices of the household, newest first",
      resolve: ({ id }, _args, context) => (isUuid(id) ? context.loaders.notices.load(id) : []),
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
  decideDirectAidAppeal: t.prismaField({
    type: "Application",
    ...needs("aid:appeal-decide"),
    description:
      "An ANSS official accepts or rejects an appeal, with reasons (the official's subject is recorded). Accepting enrols the household from the refused decision's date; the next payment run pays the arrears of every month since, once.",
    args: {
      applicationId: t.arg.id({ required: true }),
      decision: t.arg({ type: AppealDecisionEnum, required: true }),
      reasons: t.arg.stringList({ required: true }),
      paymentInstitution: t.arg({
        type: InstitutionEnum,
        required: false,
        description: "When accepting: the institution to pay through (default: the one the application asked for)",
      }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      await decideAppeal(context, args);
      context.loaders.appeal.clear(args.applicationId);
      context.loaders.enrolment.clearAll();
      return context.prisma.application.findUniqueOrThrow({ ...query, where: { id: args.applicationId } });
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
