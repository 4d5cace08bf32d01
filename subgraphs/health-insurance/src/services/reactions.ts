import type { GraphClient } from "@spx/runtime/clients";
import { consumeOnce, type EventHandler, type RegisterEvent } from "@spx/runtime/events";
import type { Prisma as PrismaNamespace } from "../../generated/prisma/index.js";
import { rulesFor } from "../domain/amo-rules.js";
import { relatives } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";
import { placeDependants, placeWithParents } from "./affiliations.js";
import { endCoverageOfDeceased } from "./deceased-coverage.js";
import { type FamilyDecision, familyDependants } from "./family.js";
import { cancelPendingNotices, issueSuspensionNotice, recordReaction } from "./notices.js";
import { setting, storedRules } from "./rules-store.js";

/*
 * The register's reactions to the other registers' events (contract sections 1, 2, 6). Each handler
 * asks the graph first, then makes its change in one transaction that starts with consumeOnce: a
 * redelivered event finds itself consumed and changes nothing. Every reaction is recorded in
 * event_reaction with the event's id.
 */

export const CONSUMER = "health-insurance";

type Tx = PrismaNamespace.TransactionClient;

interface Deps {
  prisma: InsurancePrisma;
  graph: GraphClient;
}

/** Runs the reaction once per event id, in one transaction. */
function once(prisma: InsurancePrisma, event: RegisterEvent, react: (tx: Tx) => Promise<void>): Promise<void> {
  return prisma.$transaction(async (tx) => {
    if (await consumeOnce(tx, CONSUMER, event)) {
      await react(tx);
    }
  });
}

/** Seen already (a redelivery): the graph need not be asked again. consumeOnce still decides. */
async function seen(prisma: InsurancePrisma, event: RegisterEvent): Promise<boolean> {
  const rows = await prisma.$queryRawUnsafe<unknown[]>(
    "SELECT 1 FROM consumed_event WHERE consumer = $1 AND event_id = $2::uuid",
    CONSUMER,
    event.id,
  );
  return rows.length > 0;
}

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/** `person.died`: the person's coverage ends; a principal's affiliation closes with its coverages. */
function deathHandler({ prisma }: Deps): EventHandler {
  return {
    source: "population",
    types: ["person.died"],
    handle: (event) =>
      once(prisma, event, async (tx) => {
        const idcs = str(event.data.idcs) ?? event.subject;
        const ended = await endCoverageOfDeceased(tx, [idcs], new Date());
        await recordReaction(
          tx,
          event,
          ended.continued.length > 0
            ? "AFFILIATION_CONTINUED"
            : ended.closedAffiliations.length > 0
              ? "AFFILIATION_CLOSED"
              : ended.coverages > 0
                ? "COVERAGE_ENDED"
                : "NONE",
          {
            dateOfDeath: str(event.data.dateOfDeath),
            closedAffiliations: ended.closedAffiliations,
            continued: ended.continued,
          },
        );
      }),
  };
}

/**
 * `eligibility.changed` for AMO-Tadamon. Not eligible: a notice of suspension with the notice
 * period (the notices job applies it when due). Eligible again: the pending notice is cancelled;
 * an affiliation already suspended stays so until the household's enrolment is asked again
 * (enrollAmoTadamon reinstates it on the social register's decision of that day): reinstating
 * silently on an event would restore coverage nobody asked for, on a decision nobody looked at.
 */
function eligibilityHandler({ prisma }: Deps): EventHandler {
  return {
    source: "social-registry",
    types: ["eligibility.changed"],
    handle: async (event) => {
      if (event.data.program !== "AMO_TADAMON") {
        await once(prisma, event, async () => undefined);
        return;
      }
      const householdId = str(event.data.householdId) ?? event.subject;
      const periodDays = await setting(prisma, "NOTICE_PERIOD_DAYS");
      const now = new Date();
      await once(prisma, event, async (tx) => {
        const affiliation = await tx.affiliation.findFirst({
          where: { householdId, regime: "AMO_TADAMON", status: { not: "CLOSED" } },
        });
        if (!affiliation) {
          await recordReaction(tx, event, "NO_AFFILIATION", { eligible: event.data.eligible === true });
          return;
        }
        if (event.data.eligible === true) {
          const cancelled = await cancelPendingNotices(tx, affiliation.id, "Eligible again", now);
          const suspended = affiliation.status === "SUSPENDED";
          await recordReaction(
            tx,
            event,
            cancelled.length > 0 ? "NOTICE_CANCELLED" : suspended ? "SUSPENDED_UNTIL_ENROLMENT_ASKED" : "NONE",
            { affiliationId: affiliation.id, cancelledNotices: cancelled, suspended },
          );
          return;
        }
        if (affiliation.status === "SUSPENDED") {
          await recordReaction(tx, event, "ALREADY_SUSPENDED", { affiliationId: affiliation.id });
          return;
        }
        // The score itself stays out of the notice: it is read with social:index, a notice with health:coverage.
        const notice = await issueSuspensionNotice(tx, affiliation, {
          reason: `The household's socio-economic index is above the AMO-Tadamon threshold (${str(event.data.threshold) ?? "in force"}, model ${str(event.data.modelVersion) ?? "current"})`,
          cause: `Social register: eligibility changed (${str(event.data.cause) ?? "RECOMPUTE"})`,
          causeEventId: event.id,
          periodDays,
          now,
        });
        await recordReaction(tx, event, notice.issued ? "NOTICE_ISSUED" : "NOTICE_ALREADY_PENDING", {
          affiliationId: affiliation.id,
          noticeId: notice.id,
        });
      });
    },
  };
}

/** The persons whose AMO-Tadamon dependants an event about the family may change. */
async function familyOf(
  graph: GraphClient,
  event: RegisterEvent,
): Promise<{ principals: string[]; subjects: string[] }> {
  const d = event.data;
  switch (event.type) {
    case "marriage.recorded":
    case "marriage.ended": {
      const spouses = Array.isArray(d.spouses) ? d.spouses.filter((s): s is string => typeof s === "string") : [];
      return { principals: spouses, subjects: spouses };
    }
    case "person.born": {
      const child = str(d.idcs) ?? event.subject;
      return { principals: [str(d.motherIdcs), str(d.fatherIdcs)].filter((x) => x !== null), subjects: [child] };
    }
    case "guardianship.recorded":
    case "guardianship.ended": {
      const child = str(d.childIdcs);
      const guardian = str(d.guardianIdcs);
      const parents = child ? await relatives(graph, [child]) : new Map();
      const facts = child ? parents.get(child) : undefined;
      return {
        principals: [guardian, facts?.mother?.idcs ?? null, facts?.father?.idcs ?? null].filter((x) => x !== null),
        subjects: child ? [child] : [],
      };
    }
    default: {
      // disability.recognised: the person's parents may cover them again, at any age.
      const idcs = str(d.idcs) ?? event.subject;
      const facts = (await relatives(graph, [idcs])).get(idcs);
      return {
        principals: [facts?.mother?.idcs ?? null, facts?.father?.idcs ?? null].filter((x) => x !== null),
        subjects: [idcs],
      };
    }
  }
}

/**
 * Brings an affiliation's dependants in line with the facts: adds who is now entitled, ends the
 * coverage of who no longer is (with the reason), moves children the parent rule sends to the
 * father's or custodian's affiliation. Returns what changed.
 */
export async function alignDependants(
  tx: Tx,
  affiliationId: string,
  decision: FamilyDecision,
  now: Date,
): Promise<{ added: string[]; ended: { idcs: string; reason: string }[]; moved: string[] }> {
  const current = await tx.coverage.findMany({ where: { affiliationId, role: "DEPENDANT", until: null } });
  const entitled = new Map(decision.entitled.map((d) => [d.idcs, d]));
  const refused = new Map(decision.refused.map((r) => [r.idcs, r]));
  const moved = await placeWithParents(
    tx,
    decision.refused.filter((r) => r.movesTo && current.some((c) => c.personIdcs === r.idcs)),
    now,
  );
  const ended: { idcs: string; reason: string }[] = [];
  for (const coverage of current) {
    const ground = entitled.get(coverage.personIdcs);
    if (ground) {
      const reviewOn = ground.reviewOn ? new Date(`${ground.reviewOn}T00:00:00Z`) : null;
      if (ground.kind !== coverage.dependantKind || reviewOn?.getTime() !== coverage.reviewOn?.getTime()) {
        await tx.coverage.update({ where: { id: coverage.id }, data: { dependantKind: ground.kind, reviewOn } });
      }
      continue;
    }
    if (moved.includes(coverage.personIdcs)) {
      continue;
    }
    const reason = `No longer a dependant: ${refused.get(coverage.personIdcs)?.reason ?? "not the principal's spouse, child or kafala ward"}`;
    await tx.coverage.updateMany({ where: { id: coverage.id, until: null }, data: { until: now, endReason: reason } });
    ended.push({ idcs: coverage.personIdcs, reason });
  }
  const added = await placeDependants(tx, affiliationId, decision.entitled, now);
  return { added: added.map((a) => a.idcs), ended, moved };
}

/** Marriage, birth, guardianship, disability: the AMO-Tadamon affiliations concerned re-evaluate their dependants. */
function familyHandler({ prisma, graph }: Deps): EventHandler {
  return {
    source: "population",
    types: [
      "marriage.recorded",
      "marriage.ended",
      "person.born",
      "guardianship.recorded",
      "guardianship.ended",
      "disability.recognised",
    ],
    handle: async (event) => {
      if (await seen(prisma, event)) {
        return;
      }
      const { principals, subjects } = await familyOf(graph, event);
      // The affiliations of those concerned, and those covering the person the event is about.
      const covering = await prisma.coverage.findMany({
        where: { personIdcs: { in: subjects }, until: null },
        select: { affiliation: { select: { principalIdcs: true } } },
      });
      const candidates = [...new Set([...principals, ...covering.map((c) => c.affiliation.principalIdcs)])];
      const affiliations = await prisma.affiliation.findMany({
        where: { principalIdcs: { in: candidates }, regime: "AMO_TADAMON", status: { not: "CLOSED" } },
      });
      const now = new Date();
      const rules = rulesFor(await storedRules(prisma), now);
      const decisions =
        affiliations.length > 0
          ? await familyDependants(
              prisma,
              graph,
              affiliations.map((a) => a.principalIdcs),
              rules,
              now,
            )
          : new Map<string, FamilyDecision>();
      await once(prisma, event, async (tx) => {
        const changes = [];
        for (const affiliation of affiliations) {
          const decision = decisions.get(affiliation.principalIdcs);
          if (decision) {
            changes.push({
              affiliationId: affiliation.id,
              ...(await alignDependants(tx, affiliation.id, decision, now)),
            });
          }
        }
        const changed = changes.some((c) => c.added.length + c.ended.length + c.moved.length > 0);
        await recordReaction(tx, event, changed ? "DEPENDANTS_REEVALUATED" : "NONE", { affiliations: changes });
      });
    },
  };
}

/** The health insurer's consumers, named `health-insurance`. */
export function healthInsuranceConsumers(deps: Deps): EventHandler[] {
  return [deathHandler(deps), eligibilityHandler(deps), familyHandler(deps)];
}
