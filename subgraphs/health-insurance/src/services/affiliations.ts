import { randomUUID } from "node:crypto";
import { idcsProblem } from "@spx/reference/idcs";
import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, isUniqueViolation, isUuid, onceInTransaction } from "@spx/runtime/database";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import type { Prisma as PrismaNamespace } from "../../generated/prisma/index.js";
import { AFFILIATION_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { achamilActivityRefusal } from "../domain/achamil.js";
import { rulesFor } from "../domain/amo-rules.js";
import {
  type DependantClaim,
  entitledClaims,
  requireAchamilEligible,
  requireAlive,
  tadamonDecision,
  tadamonPrincipal,
} from "../domain/eligibility.js";
import { type AffiliationStatus, canMove, effectiveStatus, PAYER, type Regime, rightsFrom } from "../domain/regimes.js";
import { AlreadyCoveredError, BadTransitionError, NotEligibleError, UnknownHouseholdError } from "../errors.js";
import { householdForTadamon, personFacts } from "../registers.js";
import { declaredOccupation, type Entitled, type FamilyDecision, familyDependants } from "./family.js";
import { storedRules } from "./rules-store.js";

type Prisma = Context["prisma"];
/** A transaction, or the client itself (PrismaClient is one). */
type Tx = PrismaNamespace.TransactionClient;

/** Writes an affiliation and its coverages; the partial unique index settles races. */
async function writeAffiliation(
  context: Context,
  key: string | null | undefined,
  operation: string,
  request: unknown,
  build: (tx: Prisma) => Promise<{ id: string }>,
): Promise<{ id: string }> {
  try {
    return await onceInTransaction(context.prisma, context.caller, { key, operation, request }, (tx) =>
      build(tx as Prisma),
    );
  } catch (error) {
    if (isUniqueViolation(error, "coverage_one_active_per_person")) {
      throw new AlreadyCoveredError([]);
    }
    throw error;
  }
}

async function refuseIfCovered(tx: Tx, idcs: string[]): Promise<void> {
  const open = await tx.coverage.findMany({ where: { personIdcs: { in: idcs }, until: null } });
  if (open.length > 0) {
    throw new AlreadyCoveredError(open.map((c) => c.personIdcs));
  }
}

/** Why a coverage moved to another affiliation (the parent rule named its principal). */
export const MOVED_BY_PARENT_RULE = "Covered through the affiliation the parent rule names";

/**
 * Covers each entitled dependant under the affiliation: not covered anywhere, they are added; covered
 * as a dependant elsewhere while the parent rule names this principal (the father's affiliation,
 * or the custodian's after a divorce), their coverage moves here; otherwise they stay where they are.
 * Returns those added.
 */
export async function placeDependants(
  tx: Tx,
  affiliationId: string,
  dependants: readonly Entitled[],
  now: Date,
): Promise<Entitled[]> {
  if (dependants.length === 0) {
    return [];
  }
  const open = await tx.coverage.findMany({
    where: { personIdcs: { in: dependants.map((d) => d.idcs) }, until: null },
  });
  const current = new Map(open.map((c) => [c.personIdcs, c]));
  const added: Entitled[] = [];
  for (const dependant of dependants) {
    const existing = current.get(dependant.idcs);
    if (existing?.affiliationId === affiliationId) {
      continue;
    }
    if (existing) {
      if (existing.role !== "DEPENDANT" || !dependant.claimedByParentRule) {
        continue;
      }
      await tx.coverage.updateMany({
        where: { id: existing.id, until: null },
        data: { until: now, endReason: MOVED_BY_PARENT_RULE },
      });
    }
    added.push(dependant);
  }
  if (added.length > 0) {
    await tx.coverage.createMany({
      data: added.map((d) => ({
        id: randomUUID(),
        affiliationId,
        personIdcs: d.idcs,
        role: "DEPENDANT" as const,
        dependantKind: d.kind,
        since: now,
        reviewOn: d.reviewOn ? new Date(`${d.reviewOn}T00:00:00Z`) : null,
      })),
    });
  }
  return added;
}

/**
 * The children the parent rule sends to another parent's affiliation: covered there (moved from a
 * dependant coverage elsewhere, or added when uncovered), as the law declares them to that insurer.
 */
export async function placeWithParents(tx: Tx, refused: FamilyDecision["refused"], now: Date): Promise<string[]> {
  const moving = refused.flatMap((r) => (r.movesTo ? [{ idcs: r.idcs, ...r.movesTo }] : []));
  if (moving.length === 0) {
    return [];
  }
  const affiliations = await tx.affiliation.findMany({
    where: { principalIdcs: { in: moving.map((m) => m.parent) }, status: { not: "CLOSED" } },
    select: { id: true, principalIdcs: true },
  });
  const placed: string[] = [];
  for (const m of moving) {
    const affiliation = affiliations.find((a) => a.principalIdcs === m.parent);
    if (affiliation) {
      const added = await placeDependants(
        tx,
        affiliation.id,
        [{ idcs: m.idcs, kind: m.kind, claimedByParentRule: true, reviewOn: m.reviewOn }],
        now,
      );
      placed.push(...added.map((a) => a.idcs));
    }
  }
  return placed;
}

async function coverPrincipal(tx: Tx, affiliationId: string, principal: string, now: Date): Promise<void> {
  await tx.coverage.create({
    data: { id: randomUUID(), affiliationId, personIdcs: principal, role: "PRINCIPAL", since: now },
  });
}

/**
 * Enrols a household in AMO-Tadamon on the social register's decision: the head as principal,
 * every entitled member not covered elsewhere as dependant. An enrolled household's affiliation
 * is returned as it is.
 */
export async function enrolAmoTadamon(
  context: Context,
  args: { householdId: string; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  // A malformed id is no household of the social register's: nothing to ask either register.
  if (!isUuid(args.householdId)) {
    throw new UnknownHouseholdError();
  }
  const existing = await context.prisma.affiliation.findFirst({
    where: { householdId: args.householdId, regime: "AMO_TADAMON", status: { not: "CLOSED" } },
  });
  if (existing) {
    await assertRowAllowed(context, AFFILIATION_ROWS, { region: existing.regionCode }, "This affiliation");
    // Suspended after a notice (the index rose): a new decision of the social register reinstates it.
    if (existing.status === "SUSPENDED" && existing.suspendedByNoticeId) {
      return reinstateOnNewDecision(context, existing.id, args);
    }
    return { id: existing.id };
  }
  const household = await tadamonHousehold(context, args.householdId);
  // Before the decision is even looked at: a case worker enrols only the households of their region.
  await assertRowAllowed(context, AFFILIATION_ROWS, { region: household.regionCode }, "This affiliation");
  const decision = tadamonDecision(household);
  const now = new Date();
  const head = tadamonPrincipal(household);
  const rules = rulesFor(await storedRules(context.prisma), now);
  const family = (await familyDependants(context.prisma, context.graph, [head], rules, now)).get(head);
  return writeAffiliation(context, args.idempotencyKey, "enrollAmoTadamon", args, async (tx) => {
    await refuseIfCovered(tx, [head]);
    const id = randomUUID();
    await tx.affiliation.create({
      data: {
        id,
        principalIdcs: head,
        regime: "AMO_TADAMON",
        payer: PAYER.AMO_TADAMON,
        status: "ACTIVE",
        regionCode: household.regionCode,
        householdId: household.id,
        scoreUsed: decision.scoreUsed,
        modelVersionUsed: decision.modelVersion,
        rightsFrom: rightsFrom(now),
        openedAt: now,
      },
    });
    await coverPrincipal(tx, id, head, now);
    await placeDependants(tx, id, family?.entitled ?? [], now);
    await placeWithParents(tx, family?.refused ?? [], now);
    return { id };
  });
}

async function tadamonHousehold(context: Context, householdId: string) {
  const household = await householdForTadamon(context.graph, householdId).catch((error: unknown) => {
    if (/UNKNOWN|NOT_FOUND/.test(String((error as Error).message))) {
      return null;
    }
    throw error;
  });
  if (!household) {
    throw new UnknownHouseholdError();
  }
  return household;
}

/** A suspended affiliation comes back only on the social register's decision asked again, never silently. */
async function reinstateOnNewDecision(
  context: Context,
  id: string,
  args: { householdId: string; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  const household = await tadamonHousehold(context, args.householdId);
  const decision = tadamonDecision(household);
  const now = new Date();
  return writeAffiliation(context, args.idempotencyKey, "enrollAmoTadamon", args, async (tx) => {
    await tx.affiliation.updateMany({
      where: { id, status: "SUSPENDED" },
      data: {
        status: "ACTIVE",
        statusReason: "Eligible again: reinstated on the social register's new decision",
        statusChangedAt: now,
        suspendedByNoticeId: null,
        scoreUsed: decision.scoreUsed,
        modelVersionUsed: decision.modelVersion,
      },
    });
    return { id };
  });
}

export interface AffiliationRequest {
  principalIdcs: string;
  regime: Exclude<Regime, "AMO_TADAMON">;
  dependants?: DependantClaim[] | null;
  firstPaymentDate?: Date | null;
  fromTadamon?: boolean | null;
}

/** Affiliates a principal to a contributory regime, with the dependants they are entitled to. */
export async function registerAffiliation(
  context: Context,
  input: AffiliationRequest,
  idempotencyKey: string | null | undefined,
): Promise<{ id: string }> {
  const claims = input.dependants ?? [];
  const everyone = [input.principalIdcs, ...claims.map((d) => d.idcs)];
  if (everyone.some((idcs) => idcsProblem(idcs))) {
    throw new ValidationError([{ field: "input", message: "every IDCS must be 10 digits with a valid check digit" }]);
  }
  if (new Set(everyone).size !== everyone.length) {
    throw new ValidationError([{ field: "input.dependants", message: "a person is listed twice" }]);
  }
  const facts = await personFacts(context.graph, everyone);
  // The affiliation belongs to the principal's region; a principal the register does not know
  // has none, which only a nationwide caller goes on to be told.
  await assertRowAllowed(
    context,
    AFFILIATION_ROWS,
    { region: facts.get(input.principalIdcs)?.address.regionCode },
    "This affiliation",
  );
  requireAlive(everyone, facts);
  const principal = facts.get(input.principalIdcs);
  const now = new Date();
  const rules = rulesFor(await storedRules(context.prisma), now);
  const family = (await familyDependants(context.prisma, context.graph, [input.principalIdcs], rules, now)).get(
    input.principalIdcs,
  );
  const regime = input.regime;
  if (regime === "AMO_ACHAMIL") {
    requireAchamilEligible(principal);
    const refusal = achamilActivityRefusal(declaredOccupation(family?.self), rules);
    if (refusal) {
      throw new NotEligibleError(refusal);
    }
    if (input.firstPaymentDate) {
      throw new ValidationError([
        { field: "input.firstPaymentDate", message: "record the first contribution with recordAchamilContribution" },
      ]);
    }
  }
  if (input.fromTadamon && !(await formerTadamonMember(context.prisma, input.principalIdcs))) {
    throw new ValidationError([
      { field: "input.fromTadamon", message: "the principal was never covered by AMO-Tadamon" },
    ]);
  }
  const dependants = entitledClaims(claims, family ?? { entitled: [], refused: [] });
  return writeAffiliation(context, idempotencyKey, "registerAffiliation", input, async (tx) => {
    // A child the parent rule names this principal for may move here; anyone else covered is refused.
    const movable = new Set(dependants.filter((d) => d.claimedByParentRule).map((d) => d.idcs));
    await refuseIfCovered(
      tx,
      everyone.filter((idcs) => !movable.has(idcs)),
    );
    const id = randomUUID();
    await tx.affiliation.create({
      data: {
        id,
        principalIdcs: input.principalIdcs,
        regime,
        payer: PAYER[regime],
        // AMO Achamil: pending without rights until the first contribution (recordAchamilContribution).
        status: regime === "AMO_ACHAMIL" ? "PENDING" : "ACTIVE",
        regionCode: principal?.address.regionCode ?? "00",
        rightsFrom: regime === "AMO_ACHAMIL" ? null : rightsFrom(now),
        openedAt: now,
      },
    });
    await coverPrincipal(tx, id, input.principalIdcs, now);
    await placeDependants(tx, id, dependants, now);
    return { id };
  });
}

/** Ever covered by AMO-Tadamon, as principal or dependant (law 21.24's former members). */
export async function formerTadamonMember(prisma: Tx, idcs: string): Promise<boolean> {
  const row = await prisma.coverage.findFirst({
    where: { personIdcs: idcs, affiliation: { regime: "AMO_TADAMON" } },
    select: { id: true },
  });
  return row !== null;
}

/** Suspends, reinstates or closes an affiliation (closing ends its coverages), with the reason. */
export async function changeStatus(
  context: Context,
  id: string,
  to: AffiliationStatus,
  reason: string,
  key?: string | null,
): Promise<{ id: string }> {
  if (reason.trim().length < 3) {
    throw new ValidationError([{ field: "reason", message: "state the reason" }]);
  }
  return writeAffiliation(context, key, `status:${to}`, { id, reason }, async (tx) => {
    const affiliation = await findByUuid(id, (uuid) => tx.affiliation.findUnique({ where: { id: uuid } }));
    if (!affiliation) {
      throw new NotFoundError("Affiliation");
    }
    // Before anything is written or the status is revealed by a refused transition.
    await assertRowAllowed(context, AFFILIATION_ROWS, { region: affiliation.regionCode }, "This affiliation");
    const from = effectiveStatus(affiliation.status, affiliation.rightsFrom);
    if (!canMove(from, to)) {
      throw new BadTransitionError(from, to);
    }
    const now = new Date();
    await tx.affiliation.update({
      where: { id },
      data: { status: to, statusReason: reason.trim(), statusChangedAt: now },
    });
    if (to === "CLOSED") {
      await tx.coverage.updateMany({
        where: { affiliationId: id, until: null },
        data: { until: now, endReason: reason.trim() },
      });
    }
    return { id };
  });
}
