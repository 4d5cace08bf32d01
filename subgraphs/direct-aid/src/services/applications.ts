import { randomUUID } from "node:crypto";
import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, onceInTransaction } from "@spx/runtime/database";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import { HOUSEHOLD_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { aidRulesOn } from "../domain/aid-rules.js";
import { type Assessment, assess } from "../domain/assessment.js";
import { endOfDaysAfter, localDay } from "../domain/calendar.js";
import { currentMonth } from "../domain/entitlement.js";
import { type AidHouseholdFacts, exclusions, headOf, isMember } from "../domain/household-facts.js";
import {
  AlreadyAppealedError,
  AlreadyEnrolledError,
  AppealAlreadyDecidedError,
  AppealTooLateError,
  NoInstitutionError,
  NoScheduleError,
  NotAppealedError,
  NotRefusedError,
  UnknownHouseholdError,
} from "../errors.js";
import { householdFacts } from "../registers.js";

/** The shipped appeal period, for descriptions (the rule in force is read from aid_rule). */
export const APPEAL_DAYS = 15;

/** Today's day (YYYY-MM-DD) in the programme's time zone. */
export async function today(context: Context, now = new Date()): Promise<string> {
  const book = await context.ruleBook();
  return localDay(now, aidRulesOn(book.rules, now.toISOString().slice(0, 10)).timeZone);
}

/** This month's entitlement and payee from the registers' facts. */
export async function assessNow(context: Context, facts: AidHouseholdFacts): Promise<Assessment> {
  const month = currentMonth();
  const assessment = assess(facts, month, await context.ruleBook(), await today(context));
  if (!assessment) {
    throw new NoScheduleError(month);
  }
  return assessment;
}

/** The enrolment's columns that follow from an assessment. */
export function enrolmentFigures(assessment: Assessment, head: string) {
  return {
    entitlement: assessment.entitlement.amount,
    entitlementComponents: assessment.entitlement.components.map((c) => ({ ...c })),
    children: assessment.entitlement.children,
    payeeIdcs: assessment.payee?.idcs ?? head,
    payeeBasis: assessment.payee?.basis ?? "HEAD",
  };
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
  const assessment = reasons.length === 0 ? await assessNow(context, facts) : null;
  const score = facts.eligibility.find((e) => e.program === "DIRECT_AID")?.scoreUsed ?? null;
  const now = new Date();
  const rules = aidRulesOn((await context.ruleBook()).rules, now.toISOString().slice(0, 10));
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "applyForDirectAid", request: args },
    async (tx) => {
      const enrolled = await tx.enrolment.findUnique({ where: { householdId: facts.id } });
      if (enrolled?.status === "ACTIVE") {
        throw new AlreadyEnrolledError();
      }
      const application = await tx.application.create({
        data: {
          id: randomUUID(),
          householdId: facts.id,
          regionCode: facts.regionCode,
          headIdcs: head,
          status: assessment ? "ACCEPTED" : "REFUSED",
          reasons: assessment ? ["Index at or below the threshold; no exclusion applies"] : reasons,
          scoreUsed: score,
          otherFamilyAllowance: args.input.otherFamilyAllowance,
          paymentInstitution: args.input.paymentInstitution,
          decidedAt: now,
          // Calendar days to the end of the last day, in Morocco's time: not 15 × 24 hours.
          appealDeadline: endOfDaysAfter(now, rules.appealPeriodDays, rules.timeZone),
        },
      });
      if (assessment) {
        const data = {
          status: "ACTIVE" as const,
          regionCode: facts.regionCode,
          headIdcs: head,
          institution: args.input.paymentInstitution,
          ...enrolmentFigures(assessment, head),
          computedAt: now,
          suspendedByNotice: null,
          endedOn: null,
          statusReason: null,
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
  const book = await context.ruleBook();
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
      const now = new Date();
      const rules = aidRulesOn(book.rules, application.decidedAt.toISOString().slice(0, 10));
      if (now.getTime() > application.appealDeadline.getTime()) {
        throw new AppealTooLateError(rules.appealPeriodDays, application.appealDeadline);
      }
      if (await tx.appeal.findUnique({ where: { applicationId: application.id } })) {
        throw new AlreadyAppealedError();
      }
      await tx.appeal.create({
        data: {
          id: randomUUID(),
          applicationId: application.id,
          reason: args.reason.trim(),
          filedAt: now,
          answerDue: endOfDaysAfter(now, rules.appealAnswerDays, rules.timeZone),
        },
      });
      return { id: application.id };
    },
  );
}

/**
 * An ANSS official decides an appeal, with reasons; their token subject is recorded. Accepting it
 * reinstates the enrolment from the refused decision's date: the next payment run pays the arrears
 * of every month since (once per household and month, see payment-run.ts).
 */
export async function decideAppeal(
  context: Context,
  args: {
    applicationId: string;
    decision: "ACCEPT" | "REJECT";
    reasons: readonly string[];
    paymentInstitution?: string | null;
    idempotencyKey?: string | null;
  },
): Promise<{ id: string }> {
  const reasons = args.reasons.map((r) => r.trim()).filter((r) => r.length > 0);
  if (reasons.length === 0 || reasons.join(" ").length < 10) {
    throw new ValidationError([{ field: "reasons", message: "give the reasons, in at least 10 characters" }]);
  }
  const found = await findByUuid(args.applicationId, (id) => context.prisma.application.findUnique({ where: { id } }));
  if (!found) {
    throw new NotFoundError("Application");
  }
  await assertRowAllowed(context, ["sameRegion"], { region: found.regionCode }, "This application");
  // The graph is asked before the transaction: an accepted appeal enrols with today's facts.
  let assessment: Assessment | null = null;
  if (args.decision === "ACCEPT") {
    const facts = (await householdFacts(context.graph, [found.householdId])).get(found.householdId);
    if (!facts) {
      throw new UnknownHouseholdError();
    }
    assessment = await assessNow(context, facts);
  }
  const book = await context.ruleBook();
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "decideDirectAidAppeal", request: args },
    async (tx) => {
      const appeal = await tx.appeal.findUnique({ where: { applicationId: found.id } });
      if (!appeal) {
        throw new NotAppealedError();
      }
      const now = new Date();
      const decided = await tx.appeal.updateMany({
        where: { id: appeal.id, status: "OPEN" },
        data: {
          status: args.decision === "ACCEPT" ? "UPHELD" : "DISMISSED",
          decidedAt: now,
          decidedBy: context.caller.sub,
          decisionReasons: reasons,
        },
      });
      if (decided.count === 0) {
        throw new AppealAlreadyDecidedError(appeal.status);
      }
      if (assessment) {
        const existing = await tx.enrolment.findUnique({ where: { householdId: found.householdId } });
        const institution = args.paymentInstitution ?? found.paymentInstitution ?? existing?.institution;
        if (!institution) {
          throw new NoInstitutionError();
        }
        const zone = aidRulesOn(book.rules, found.decidedAt.toISOString().slice(0, 10)).timeZone;
        const data = {
          status: "ACTIVE" as const,
          regionCode: found.regionCode,
          headIdcs: found.headIdcs,
          institution,
          since: found.decidedAt,
          ...enrolmentFigures(assessment, found.headIdcs),
          computedAt: now,
          // Every month from the refused decision's is owed; the run pays those not yet paid.
          arrearsFrom: localDay(found.decidedAt, zone).slice(0, 7),
          arrearsAppealId: appeal.id,
          suspendedByNotice: null,
          endedOn: null,
          statusReason: `Reinstated on appeal ${appeal.id}`,
        };
        await tx.enrolment.upsert({
          where: { householdId: found.householdId },
          create: { householdId: found.householdId, ...data },
          update: data,
        });
      }
      return { id: found.id };
    },
  );
}
