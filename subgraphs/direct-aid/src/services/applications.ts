import { randomUUID } from "node:crypto";
import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, onceInTransaction } from "@spx/runtime/database";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import { HOUSEHOLD_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { currentMonth, monthlyEntitlement, scheduleFor } from "../domain/entitlement.js";
import { childrenOf, exclusions, headOf, isMember } from "../domain/household-facts.js";
import {
  AlreadyAppealedError,
  AlreadyEnrolledError,
  AppealTooLateError,
  NoScheduleError,
  NotRefusedError,
  UnknownHouseholdError,
} from "../errors.js";
import { householdFacts } from "../registers.js";

/** A refused household may appeal within 15 days (government spokesman, domain notes A5). */
export const APPEAL_DAYS = 15;

/** Entitlement for the current month from the registers' facts. */
async function entitlementNow(context: Context, facts: Parameters<typeof childrenOf>[0]) {
  const month = currentMonth();
  const rules = scheduleFor(await context.schedules(), month);
  if (!rules) {
    throw new NoScheduleError(month);
  }
  return monthlyEntitlement(childrenOf(facts, month), rules);
}

/**
 * Decides an application from the social register's facts and the declared exclusions, records the
 * answer with its reasons and, when accepted, enrols the household (or enrols it again).
 */
export async function applyForDirectAid(
  context: Context,
  args: {
    householdId: string;
    input: { otherFamilyAllowance: boolean; paymentInstitution: string };
    idempotencyKey?: string | null;
  },
): Promise<{ id: string }> {
  const facts = (await householdFacts(context.graph, [args.householdId])).get(args.householdId);
  if (!facts) {
    throw new UnknownHouseholdError();
  }
  // A case worker applies for the households of their region, a citizen for their own.
  await assertRowAllowed(
    context,
    HOUSEHOLD_ROWS,
    { region: facts.regionCode, self: () => isMember(facts, context.caller.idcs) },
    "This household",
  );
  const head = headOf(facts);
  if (!head) {
    // The social register names a head for every household: this is a broken invariant.
    throw new Error(`Household ${facts.id} has no head in the social register`);
  }
  const reasons = exclusions(facts, args.input.otherFamilyAllowance);
  const entitlement = reasons.length === 0 ? await entitlementNow(context, facts) : null;
  const score = facts.eligibility.find((e) => e.program === "DIRECT_AID")?.scoreUsed ?? null;
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "applyForDirectAid", request: args },
    async (tx) => {
      const enrolled = await tx.enrolment.findUnique({ where: { householdId: facts.id } });
      if (enrolled?.status === "ACTIVE") {
        throw new AlreadyEnrolledError();
      }
      const now = new Date();
      const application = await tx.application.create({
        data: {
          id: randomUUID(),
          householdId: facts.id,
          regionCode: facts.regionCode,
          headIdcs: head,
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
          headIdcs: head,
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
  );
}

/** Records the appeal of a refusal, within the appeal period; a decision is appealed once. */
export async function appealDecision(
  context: Context,
  args: { applicationId: string; reason: string; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  if (args.reason.trim().length < 10) {
    throw new ValidationError([{ field: "reason", message: "explain the appeal in at least 10 characters" }]);
  }
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "appealDirectAidDecision", request: args },
    async (tx) => {
      const application = await findByUuid(args.applicationId, (id) => tx.application.findUnique({ where: { id } }));
      if (!application) {
        throw new NotFoundError("Application");
      }
      await assertRowAllowed(
        context,
        HOUSEHOLD_ROWS,
        { region: application.regionCode, self: () => application.headIdcs === context.caller.idcs },
        "This application",
      );
      if (application.status !== "REFUSED") {
        throw new NotRefusedError();
      }
      if (application.appealDeadline.getTime() < Date.now()) {
        throw new AppealTooLateError(APPEAL_DAYS);
      }
      if (await tx.appeal.findUnique({ where: { applicationId: application.id } })) {
        throw new AlreadyAppealedError();
      }
      await tx.appeal.create({
        data: { id: randomUUID(), applicationId: application.id, reason: args.reason.trim() },
      });
      return { id: application.id };
    },
  );
}
