import { randomUUID } from "node:crypto";
import { idcsProblem } from "@spx/reference/idcs";
import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, isUniqueViolation, isUuid, onceInTransaction } from "@spx/runtime/database";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import { AFFILIATION_ROWS } from "../access.js";
import type { Context } from "../context.js";
import {
  type DependantClaim,
  type EntitledDependant,
  entitledDependants,
  requireAchamilEligible,
  requireAlive,
  tadamonDecision,
  tadamonDependants,
  tadamonPrincipal,
} from "../domain/eligibility.js";
import { type AffiliationStatus, canMove, effectiveStatus, PAYER, type Regime, rightsFrom } from "../domain/regimes.js";
import { AlreadyCoveredError, BadTransitionError, UnknownHouseholdError } from "../errors.js";
import { householdForTadamon, personFacts } from "../registers.js";

type Prisma = Context["prisma"];

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

async function refuseIfCovered(tx: Prisma, idcs: string[]): Promise<void> {
  const open = await tx.coverage.findMany({ where: { personIdcs: { in: idcs }, until: null } });
  if (open.length > 0) {
    throw new AlreadyCoveredError(open.map((c) => c.personIdcs));
  }
}

/** The principal's coverage and each dependant's, for a new affiliation. */
async function cover(tx: Prisma, affiliationId: string, principal: string, dependants: readonly EntitledDependant[]) {
  await tx.coverage.createMany({
    data: [
      { id: randomUUID(), affiliationId, personIdcs: principal, role: "PRINCIPAL" },
      ...dependants.map((d) => ({
        id: randomUUID(),
        affiliationId,
        personIdcs: d.idcs,
        role: "DEPENDANT" as const,
        dependantKind: d.kind,
      })),
    ],
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
    return { id: existing.id };
  }
  const household = await householdForTadamon(context.graph, args.householdId).catch((error: unknown) => {
    if (/UNKNOWN|NOT_FOUND/.test(String((error as Error).message))) {
      return null;
    }
    throw error;
  });
  if (!household) {
    throw new UnknownHouseholdError();
  }
  // Before the decision is even looked at: a case worker enrols only the households of their region.
  await assertRowAllowed(context, AFFILIATION_ROWS, { region: household.regionCode }, "This affiliation");
  const decision = tadamonDecision(household);
  const now = new Date();
  const head = tadamonPrincipal(household);
  const dependants = tadamonDependants(household, now);
  return writeAffiliation(context, args.idempotencyKey, "enrollAmoTadamon", args, async (tx) => {
    await refuseIfCovered(tx, [head]);
    const taken = new Set(
      (await tx.coverage.findMany({ where: { personIdcs: { in: dependants.map((d) => d.idcs) }, until: null } })).map(
        (c) => c.personIdcs,
      ),
    );
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
        rightsFrom: rightsFrom("AMO_TADAMON", now),
      },
    });
    await cover(
      tx,
      id,
      head,
      dependants.filter((d) => !taken.has(d.idcs)),
    );
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
  if (input.regime === "AMO_ACHAMIL") {
    requireAchamilEligible(principal);
  }
  const dependants = entitledDependants(claims, facts, now);
  const regime = input.regime;
  const opensOn = rightsFrom(regime, now, {
    ...(input.firstPaymentDate ? { firstPayment: input.firstPaymentDate } : {}),
    fromTadamon: input.fromTadamon ?? false,
  });
  return writeAffiliation(context, idempotencyKey, "registerAffiliation", input, async (tx) => {
    await refuseIfCovered(tx, everyone);
    const id = randomUUID();
    await tx.affiliation.create({
      data: {
        id,
        principalIdcs: input.principalIdcs,
        regime,
        payer: PAYER[regime],
        status: opensOn.getTime() > now.getTime() ? "PENDING" : "ACTIVE",
        regionCode: principal?.address.regionCode ?? "00",
        rightsFrom: opensOn,
      },
    });
    await cover(tx, id, input.principalIdcs, dependants);
    return { id };
  });
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
