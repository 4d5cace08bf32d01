import { randomUUID } from "node:crypto";
import type { GraphClient } from "@spx/runtime/clients";
import { consumeOnce, type EventHandler, type RegisterEvent } from "@spx/runtime/events";
import type { Logger } from "@spx/runtime/logging";
import type { Enrolment } from "../../generated/prisma/index.js";
import { loadRuleBook } from "../context.js";
import { aidRulesOn } from "../domain/aid-rules.js";
import { type Assessment, assess } from "../domain/assessment.js";
import { addMonths, localDay } from "../domain/calendar.js";
import { currentMonth } from "../domain/entitlement.js";
import { type AidHouseholdFacts, anyoneCounts } from "../domain/household-facts.js";
import { householdFacts, householdsOfPersons } from "../registers.js";
import type { AidPrisma } from "../subgraph.js";
import { enrolmentFigures } from "./applications.js";
import { type AidTx, eligibilityBack, noticeSuspension } from "./notices.js";

/** This register's name as a consumer of other registers' events (consumed_event, JetStream). */
export const CONSUMER = "direct-aid";

const POPULATION_TYPES = [
  "person.died",
  "person.born",
  "marriage.recorded",
  "marriage.ended",
  "guardianship.recorded",
  "guardianship.ended",
  "disability.recognised",
] as const;

interface Deps {
  prisma: AidPrisma;
  graph: GraphClient;
  logger: Logger;
  /** Today (YYYY-MM-DD) and this month, in Morocco; tests may fix them. */
  clock?: () => Date;
}

/** The persons a population event is about: whose households may be paid differently now. */
function personsOf(event: RegisterEvent): string[] {
  const d = event.data as Record<string, unknown>;
  const ids = [
    d.idcs,
    d.motherIdcs,
    d.fatherIdcs,
    d.childIdcs,
    d.guardianIdcs,
    ...(Array.isArray(d.spouses) ? d.spouses : []),
  ];
  return ids.filter((v): v is string => typeof v === "string" && /^\d{10}$/.test(v));
}

async function record(
  tx: AidTx,
  event: RegisterEvent,
  action: string,
  subject: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await tx.eventReaction.create({
    data: {
      id: randomUUID(),
      eventId: event.id,
      eventType: event.type,
      source: event.source,
      action,
      subject,
      detail: JSON.parse(JSON.stringify(detail)),
    },
  });
}

/** The enrolment's figures before and after, for the reaction's record (amounts in centimes). */
function change(enrolment: Enrolment, after: Assessment | undefined) {
  return {
    before: { entitlement: enrolment.entitlement, children: enrolment.children, payeeBasis: enrolment.payeeBasis },
    after: after
      ? {
          entitlement: after.entitlement.amount,
          children: after.entitlement.children,
          payeeBasis: after.payee?.basis ?? null,
        }
      : null,
  };
}

/**
 * A change in a household (a birth, a marriage, a death, a guardianship, a member added or
 * removed): its enrolment is re-evaluated from the registers' facts for the month the change
 * takes effect — a death from the month after it, anything else from this month — and ended
 * when nobody of the household counts any more. One transaction per event, with its
 * consumed_event row: a redelivered event changes nothing twice.
 */
async function reevaluate(deps: Deps, event: RegisterEvent, householdIds: readonly string[]): Promise<void> {
  const { prisma, graph } = deps;
  const now = deps.clock?.() ?? new Date();
  const book = await loadRuleBook(prisma);
  const rules = aidRulesOn(book.rules, now.toISOString().slice(0, 10));
  const today = localDay(now, rules.timeZone);
  const thisMonth = currentMonth(new Date(`${today}T12:00:00Z`));
  const enrolments = householdIds.length
    ? await prisma.enrolment.findMany({
        where: { householdId: { in: [...householdIds] }, status: { in: ["ACTIVE", "SUSPENDED"] } },
      })
    : [];
  const facts: Map<string, AidHouseholdFacts> = enrolments.length
    ? await householdFacts(
        graph,
        enrolments.map((e) => e.householdId),
      )
    : new Map();
  const died = event.type === "person.died" ? String((event.data as { dateOfDeath?: unknown }).dateOfDeath ?? "") : "";
  const effective = died ? addMonths(died.slice(0, 7), rules.deathEffectAfterMonths) : thisMonth;
  // Months are YYYY-MM strings: the later of the two sorts last.
  const month = [effective, thisMonth].sort().at(-1) ?? thisMonth;
  await prisma.$transaction(async (tx) => {
    if (!(await consumeOnce(tx, CONSUMER, event))) {
      return;
    }
    for (const enrolment of enrolments) {
      const household = facts.get(enrolment.householdId);
      const detail = {
        householdId: enrolment.householdId,
        effectiveFrom: month,
        ...(died ? { dateOfDeath: died } : {}),
      };
      if (!household || !anyoneCounts(household, month, rules)) {
        await tx.enrolment.update({
          where: { householdId: enrolment.householdId },
          data: {
            status: "ENDED",
            endedOn: new Date(`${today}T00:00:00Z`),
            statusReason: died
              ? `The household's last member died on ${died}: no aid from ${month}`
              : "The household is no longer in the social register",
          },
        });
        await record(tx, event, "ENROLMENT_ENDED", enrolment.householdId, detail);
        continue;
      }
      const after = assess(household, month, book, today);
      if (after) {
        await tx.enrolment.update({
          where: { householdId: enrolment.householdId },
          data: { ...enrolmentFigures(after, enrolment.headIdcs), computedAt: now },
        });
      }
      await record(tx, event, died ? "DEATH_REFLECTED" : "ENTITLEMENT_REEVALUATED", enrolment.householdId, {
        ...detail,
        ...change(enrolment, after),
      });
    }
  });
}

/** A population event: the enrolled households of the persons it is about, by the graph and locally. */
async function onPopulationEvent(deps: Deps, event: RegisterEvent): Promise<void> {
  const persons = personsOf(event);
  const viaGraph = await householdsOfPersons(deps.graph, persons);
  // A dead head may already be out of the social register's household: the enrolment still names them.
  const local = persons.length
    ? await deps.prisma.enrolment.findMany({
        where: { OR: [{ headIdcs: { in: persons } }, { payeeIdcs: { in: persons } }] },
        select: { householdId: true },
      })
    : [];
  await reevaluate(deps, event, [...new Set([...viaGraph, ...local.map((e) => e.householdId)])]);
}

interface EligibilityChanged {
  householdId: string;
  program: string;
  eligible: boolean;
  score: string;
  threshold: string;
}

/**
 * Direct-aid eligibility lost: a suspension notice (the notice period of aid_rule); regained:
 * pending notices cancelled and a suspension lifted.
 */
async function onEligibilityChanged(deps: Deps, event: RegisterEvent): Promise<void> {
  const data = event.data as unknown as EligibilityChanged;
  const now = deps.clock?.() ?? new Date();
  const book = await loadRuleBook(deps.prisma);
  // The household's eligibility now, not the event's: two changes delivered out of order must
  // leave the state the register is in, not the state of whichever arrived last.
  const current =
    data.program === "DIRECT_AID"
      ? (await householdFacts(deps.graph, [data.householdId]))
          .get(data.householdId)
          ?.eligibility.find((e) => e.program === "DIRECT_AID")
      : undefined;
  const eligible = current ? current.eligible : data.eligible;
  const score = current?.scoreUsed ?? data.score;
  const today = localDay(now, aidRulesOn(book.rules, now.toISOString().slice(0, 10)).timeZone);
  await deps.prisma.$transaction(async (tx) => {
    if (!(await consumeOnce(tx, CONSUMER, event)) || data.program !== "DIRECT_AID") {
      return;
    }
    if (!eligible) {
      const notice = await noticeSuspension(tx, book, {
        householdId: data.householdId,
        reason: `The household's index ${score} is above the direct aid threshold ${data.threshold}`,
        cause: `The social register's index of the household rose above the threshold (${event.type})`,
        causeEventId: event.id,
        today,
      });
      if (notice) {
        await record(tx, event, "NOTICE_GIVEN", data.householdId, {
          noticeId: notice.id,
          effectiveOn: notice.effectiveOn,
        });
      }
      return;
    }
    const back = await eligibilityBack(
      tx,
      data.householdId,
      `Eligible again: index ${score} at or below the threshold ${data.threshold}`,
    );
    if (back.cancelled.length > 0 || back.reactivated) {
      await record(tx, event, back.reactivated ? "SUSPENSION_LIFTED" : "NOTICE_CANCELLED", data.householdId, back);
    }
  });
}

/** Direct aid's consumers of the population and social registers' events. */
export function directAidConsumers(deps: Deps): EventHandler[] {
  return [
    { source: "population", types: POPULATION_TYPES, handle: (event) => onPopulationEvent(deps, event) },
    { source: "social-registry", types: ["eligibility.changed"], handle: (event) => onEligibilityChanged(deps, event) },
    {
      source: "social-registry",
      types: ["household.members-changed"],
      handle: (event) =>
        reevaluate(deps, event, [String((event.data as { householdId?: unknown }).householdId ?? event.subject)]),
    },
  ];
}
