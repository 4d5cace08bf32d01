import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import type { Logger } from "@spx/runtime/logging";
import type { Prisma as PrismaNamespace } from "../../generated/prisma/index.js";
import { dayOf, isoDay } from "../domain/amo-rules.js";
import { contestText, noticeEffectiveOn, noticeOutcome } from "../domain/notices.js";
import { householdsForNotices } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";
import { type DependantReview, reviewDependants } from "./dependant-review.js";

type Tx = PrismaNamespace.TransactionClient | InsurancePrisma;

/** The event a reaction answers (contract section 1's RegisterEvent, as far as reactions need it). */
export interface CausingEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
}

/** Every reaction to an event, in the transaction that makes it (the auditors' amoEventReactions). */
export async function recordReaction(
  tx: Tx,
  event: CausingEvent,
  action: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await tx.eventReaction.create({
    data: {
      id: randomUUID(),
      eventId: event.id,
      eventType: event.type,
      source: event.source,
      action,
      subject: event.subject,
      detail: JSON.parse(JSON.stringify(detail)),
    },
  });
}

/**
 * A notice of suspension for an affiliation, unless one is pending already (the partial unique
 * index settles two deliveries racing). Returns the pending notice's id and whether it is new.
 */
export async function issueSuspensionNotice(
  tx: Tx,
  affiliation: { id: string; householdId: string | null; principalIdcs: string; regionCode: string },
  notice: { reason: string; cause: string; causeEventId: string | null; periodDays: number; now: Date },
): Promise<{ id: string; issued: boolean }> {
  const pending = await tx.notice.findFirst({
    where: { affiliationId: affiliation.id, kind: "SUSPENSION", status: "PENDING" },
    select: { id: true },
  });
  if (pending) {
    return { id: pending.id, issued: false };
  }
  const effectiveOn = noticeEffectiveOn(dayOf(isoDay(notice.now)), notice.periodDays);
  const id = randomUUID();
  await tx.notice.create({
    data: {
      id,
      affiliationId: affiliation.id,
      householdId: affiliation.householdId,
      principalIdcs: affiliation.principalIdcs,
      regionCode: affiliation.regionCode,
      kind: "SUSPENSION",
      reason: notice.reason,
      effectiveOn,
      contest: contestText(effectiveOn),
      causeEventId: notice.causeEventId,
      cause: notice.cause,
      createdAt: notice.now,
    },
  });
  return { id, issued: true };
}

/** Cancels an affiliation's pending notices, with the outcome; returns their ids. */
export async function cancelPendingNotices(
  tx: Tx,
  affiliationId: string,
  outcome: string,
  now: Date,
): Promise<string[]> {
  const pending = await tx.notice.findMany({
    where: { affiliationId, status: "PENDING" },
    select: { id: true },
  });
  if (pending.length > 0) {
    await tx.notice.updateMany({
      where: { id: { in: pending.map((n) => n.id) }, status: "PENDING" },
      data: { status: "CANCELLED", settledAt: now, outcome },
    });
  }
  return pending.map((n) => n.id);
}

export interface NoticeRun {
  applied: number;
  cancelled: number;
  held: number;
}

const PAGE = 500;

/**
 * Applies the notices due on `now`'s day: the social register is asked, per page of households,
 * whether each is eligible again (the notice is cancelled) or has a revision pending (held until the
 * revision is decided); otherwise the affiliation is suspended, the reaction recorded with the event
 * that caused the notice. Safe to run twice at once: each change is conditional on the old status.
 */
export async function applyDueNotices(
  prisma: InsurancePrisma,
  graph: GraphClient,
  now = new Date(),
): Promise<NoticeRun> {
  const run: NoticeRun = { applied: 0, cancelled: 0, held: 0 };
  let after: string | undefined;
  for (;;) {
    const due = await prisma.notice.findMany({
      where: { status: "PENDING", effectiveOn: { lte: dayOf(isoDay(now)) }, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: "asc" },
      take: PAGE,
    });
    if (due.length === 0) {
      return run;
    }
    after = due.at(-1)?.id;
    const households = await householdsForNotices(
      graph,
      due.flatMap((n) => (n.householdId ? [n.householdId] : [])),
    );
    for (const notice of due) {
      const household = notice.householdId ? households.get(notice.householdId) : undefined;
      const outcome = noticeOutcome(
        notice.effectiveOn,
        {
          eligible: household?.eligibility.find((e) => e.program === "AMO_TADAMON")?.eligible ?? null,
          pendingRevision: household?.pendingRevision === true,
        },
        now,
      );
      if (outcome === "HOLD") {
        run.held++;
        continue;
      }
      if (outcome === "WAIT") {
        continue;
      }
      await prisma.$transaction(async (tx) => {
        const settled = await tx.notice.updateMany({
          where: { id: notice.id, status: "PENDING" },
          data: {
            status: outcome === "CANCEL" ? "CANCELLED" : "APPLIED",
            settledAt: now,
            outcome: outcome === "CANCEL" ? "Eligible again when the notice fell due" : "Suspended",
          },
        });
        if (settled.count === 0) {
          return;
        }
        const cause: CausingEvent = {
          id: notice.causeEventId ?? notice.id,
          type: "eligibility.changed",
          source: "social-registry",
          subject: notice.householdId ?? notice.affiliationId,
        };
        if (outcome === "CANCEL") {
          run.cancelled++;
          await recordReaction(tx, cause, "NOTICE_CANCELLED", {
            noticeId: notice.id,
            affiliationId: notice.affiliationId,
          });
          return;
        }
        const suspended = await tx.affiliation.updateMany({
          where: { id: notice.affiliationId, status: { in: ["ACTIVE", "PENDING"] } },
          data: {
            status: "SUSPENDED",
            statusReason: notice.reason,
            statusChangedAt: now,
            suspendedByNoticeId: notice.id,
          },
        });
        run.applied++;
        await recordReaction(tx, cause, suspended.count > 0 ? "AFFILIATION_SUSPENDED" : "NOTICE_APPLIED_NO_CHANGE", {
          noticeId: notice.id,
          affiliationId: notice.affiliationId,
        });
      });
    }
  }
}

export interface NoticeJob {
  /** One run of the due notices now (tests; the periodic run calls the same). */
  runOnce(now?: Date): Promise<NoticeRun>;
  /** One run of the dependants review now (tests; the periodic run calls it after the notices). */
  reviewOnce(now?: Date): Promise<DependantReview>;
  stop(): Promise<void>;
}

/**
 * The periodic run of `applyDueNotices` and of the dependants review (every minute by default);
 * a run never overlaps the next.
 */
export function startNoticeJob(options: {
  prisma: InsurancePrisma;
  graph: GraphClient;
  intervalMs: number;
  logger: Logger;
}): NoticeJob {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work);
    running = next.catch(() => undefined);
    return next;
  };
  const runOnce = (now?: Date) => serial(() => applyDueNotices(options.prisma, options.graph, now));
  const reviewOnce = (now?: Date) => serial(() => reviewDependants(options.prisma, options.graph, now));
  const timer = setInterval(() => {
    if (stopped) {
      return;
    }
    runOnce().then(
      (run) => {
        if (run.applied + run.cancelled + run.held > 0) {
          options.logger.info(run, "AMO notices due");
        }
      },
      (error: unknown) => options.logger.warn({ err: error }, "AMO notices run failed; retried at the next run"),
    );
    reviewOnce().then(
      (review) => {
        if (review.ended > 0) {
          options.logger.info(review, "AMO dependants reviewed");
        }
      },
      (error: unknown) => options.logger.warn({ err: error }, "AMO dependants review failed; retried at the next run"),
    );
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    reviewOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
