import { randomUUID } from "node:crypto";
import { DomainError, NotFoundError, ValidationError } from "@spx/runtime/errors";
import { idempotencyScope, once } from "@spx/runtime/idempotency";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { type Component, currentMonth, monthlyEntitlement, scheduleFor } from "../domain/entitlement.js";
import { childrenOf, exclusions } from "../domain/household-facts.js";
import { AlreadyEnrolledError, UnknownHouseholdError } from "../errors.js";
import { householdFacts } from "../registers.js";

/** A refused household may appeal within 15 days (government spokesman, domain notes A5). */
export const APPEAL_DAYS = 15;
export const INSTITUTIONS = ["BARID_BANK", "CASH_PLUS", "WAFACASH"] as const;

const InstitutionEnum = builder.enumType("PaymentInstitution", { values: INSTITUTIONS });
const ApplicationStatusEnum = builder.enumType("DirectAidDecision", { values: ["ACCEPTED", "REFUSED"] as const });
const EnrolmentStatusEnum = builder.enumType("DirectAidStatus", { values: ["ACTIVE", "SUSPENDED", "ENDED"] as const });
export const OrderStatusEnum = builder.enumType("PaymentStatus", {
  values: ["ISSUED", "PAID", "FAILED", "RETURNED"] as const,
});

const ComponentRef = builder.objectRef<Component>("EntitlementComponent").implement({
  fields: (t) => ({
    reason: t.exposeString("reason"),
    amount: t.expose("amount", { type: "MadAmount" }),
  }),
});

const MonthlyEntitlement = builder
  .objectRef<{ amount: number; components: Component[] }>("MonthlyEntitlement")
  .implement({
    fields: (t) => ({
      amount: t.expose("amount", { type: "MadAmount" }),
      currency: t.string({ resolve: () => "MAD" }),
      components: t.field({ type: [ComponentRef], resolve: (e) => e.components }),
    }),
  });

export const PaymentOrder = builder.prismaObject("PaymentOrder", {
  description: "One month's payment to a household, through its payment institution",
  fields: (t) => ({
    id: t.exposeID("id"),
    householdId: t.exposeID("householdId"),
    month: t.exposeString("month"),
    amount: t.expose("amount", { type: "MadAmount" }),
    currency: t.string({ resolve: () => "MAD" }),
    components: t.field({ type: [ComponentRef], resolve: (o) => o.components as unknown as Component[] }),
    institution: t.field({ type: InstitutionEnum, resolve: (o) => o.institution as (typeof INSTITUTIONS)[number] }),
    status: t.expose("status", { type: OrderStatusEnum }),
    reference: t.exposeString("reference", { nullable: true }),
    issuedAt: t.expose("issuedAt", { type: "DateTime" }),
    outcomeAt: t.expose("outcomeAt", { type: "DateTime", nullable: true }),
  }),
});

builder.prismaObject("Application", {
  name: "DirectAidApplication",
  fields: (t) => ({
    id: t.exposeID("id"),
    householdId: t.exposeID("householdId"),
    decision: t.expose("status", { type: ApplicationStatusEnum }),
    reasons: t.exposeStringList("reasons"),
    scoreUsed: t.string({ nullable: true, resolve: (a) => a.scoreUsed?.toFixed(7) ?? null }),
    decidedAt: t.expose("decidedAt", { type: "DateTime" }),
    appealDeadline: t.expose("appealDeadline", { type: "DateTime" }),
    appealed: t.boolean({
      resolve: async (a, _args, context) => (await context.prisma.appeal.count({ where: { applicationId: a.id } })) > 0,
    }),
  }),
});

const DirectAid = builder.prismaObject("Enrolment", {
  name: "DirectAid",
  description: "The household's direct social aid: status, this month's entitlement and payments",
  fields: (t) => ({
    status: t.expose("status", { type: EnrolmentStatusEnum }),
    since: t.expose("since", { type: "DateTime" }),
    institution: t.field({ type: InstitutionEnum, resolve: (e) => e.institution as (typeof INSTITUTIONS)[number] }),
    children: t.exposeInt("children", { description: "Children counted (at most six)" }),
    monthlyEntitlement: t.field({
      type: MonthlyEntitlement,
      resolve: (e) => ({ amount: e.entitlement, components: e.entitlementComponents as unknown as Component[] }),
    }),
    payments: t.prismaField({
      type: ["PaymentOrder"],
      args: { last: t.arg.int({ required: false, defaultValue: 12 }) },
      resolve: (query, enrolment, { last }, context) =>
        context.prisma.paymentOrder.findMany({
          ...query,
          where: { householdId: enrolment.householdId },
          orderBy: { month: "desc" },
          take: Math.min(Math.max(last ?? 12, 1), 120),
        }),
    }),
  }),
});

builder.externalRef("Household", builder.selection<{ id: string }>("id")).implement({
  externalFields: (t) => ({ id: t.id() }),
  fields: (t) => ({
    directAid: t.field({
      type: DirectAid,
      nullable: true,
      description: "Direct social aid, if the household is enrolled",
      resolve: ({ id }, _args, context) => context.loaders.enrolment.load(id),
    }),
    directAidApplications: t.prismaField({
      type: ["Application"],
      resolve: (query, { id }, _args, context) =>
        context.prisma.application.findMany({ ...query, where: { householdId: id }, orderBy: { decidedAt: "desc" } }),
    }),
  }),
});

/** Entitlement for the current month from the registers' facts. */
export async function entitlementNow(context: Context, facts: Parameters<typeof childrenOf>[0]) {
  const month = currentMonth();
  const rules = scheduleFor(await context.schedules(), month);
  if (!rules) {
    throw new DomainError("NO_SCHEDULE", `No entitlement schedule for ${month}`);
  }
  return monthlyEntitlement(childrenOf(facts, month), rules);
}

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
    authScopes: { agency: true },
    description:
      "Decides an application from the social register (index at or below 9.743001 now) and the declared exclusions; records the answer with its reasons and, when accepted, enrols the household.",
    args: {
      householdId: t.arg.id({ required: true }),
      input: t.arg({ type: ApplyInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const facts = (await householdFacts(context.graph, [args.householdId])).get(args.householdId);
      if (!facts) {
        throw new UnknownHouseholdError();
      }
      const reasons = exclusions(facts, args.input.otherFamilyAllowance);
      const entitlement = reasons.length === 0 ? await entitlementNow(context, facts) : null;
      const score = facts.eligibility.find((e) => e.program === "DIRECT_AID")?.scoreUsed ?? null;
      const { id } = await context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "applyForDirectAid",
            request: args,
          },
          async () => {
            const enrolled = await tx.enrolment.findUnique({ where: { householdId: facts.id } });
            if (enrolled?.status === "ACTIVE") {
              throw new AlreadyEnrolledError();
            }
            const now = new Date();
            const application = await tx.application.create({
              data: {
                id: randomUUID(),
                householdId: facts.id,
                status: entitlement ? "ACCEPTED" : "REFUSED",
                reasons: entitlement ? ["Index at or below the threshold; no exclusion applies"] : reasons,
                scoreUsed: score,
                otherFamilyAllowance: args.input.otherFamilyAllowance,
                decidedAt: now,
                appealDeadline: new Date(now.getTime() + APPEAL_DAYS * 86_400_000),
              },
            });
            if (entitlement) {
              const data = {
                status: "ACTIVE" as const,
                regionCode: facts.regionCode,
                institution: args.input.paymentInstitution,
                entitlement: entitlement.amount,
                entitlementComponents: entitlement.components.map((c) => ({ ...c })),
                children: entitlement.children,
                computedAt: now,
              };
              await tx.enrolment.upsert({
                where: { householdId: facts.id },
                create: { householdId: facts.id, ...data },
                update: data,
              });
            }
            return { id: application.id };
          },
        ),
      );
      return context.prisma.application.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  appealDirectAidDecision: t.prismaField({
    type: "Application",
    authScopes: { agency: true },
    description: `Appeals a refusal, within ${APPEAL_DAYS} days of the decision.`,
    args: {
      applicationId: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      if (args.reason.trim().length < 10) {
        throw new ValidationError([{ field: "reason", message: "explain the appeal in at least 10 characters" }]);
      }
      await context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "appealDirectAidDecision",
            request: args,
          },
          async () => {
            const application = await tx.application
              .findUnique({ where: { id: args.applicationId } })
              .catch(() => null);
            if (!application) {
              throw new NotFoundError("Application");
            }
            if (application.status !== "REFUSED") {
              throw new DomainError("NOT_REFUSED", "Only a refusal can be appealed");
            }
            if (application.appealDeadline.getTime() < Date.now()) {
              throw new DomainError("APPEAL_TOO_LATE", `The ${APPEAL_DAYS}-day appeal period has passed`);
            }
            if (await tx.appeal.findUnique({ where: { applicationId: application.id } })) {
              throw new DomainError("ALREADY_APPEALED", "This decision was already appealed");
            }
            await tx.appeal.create({
              data: { id: randomUUID(), applicationId: application.id, reason: args.reason.trim() },
            });
            return { id: application.id };
          },
        ),
      );
      return context.prisma.application.findUniqueOrThrow({ ...query, where: { id: args.applicationId } });
    },
  }),
}));
