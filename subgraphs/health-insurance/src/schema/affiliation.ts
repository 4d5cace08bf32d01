import { randomUUID } from "node:crypto";
import { idcsProblem } from "@spx/population/domain/idcs";
import { assertRowAllowed, needs, needsNationwide, rowPolicy } from "@spx/runtime/access-rules";
import { ageOn } from "@spx/runtime/dates";
import { HOUSEHOLD_MEMBERS } from "@spx/runtime/demand";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import { idempotencyScope, once } from "@spx/runtime/idempotency";
import { findByUuid, isUuid } from "@spx/runtime/ids";
import { isUniqueViolation } from "@spx/runtime/unique-violation";
import type { Affiliation as AffiliationRow } from "../../generated/prisma/index.js";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { dependantKind } from "../domain/dependants.js";
import { type AffiliationStatus, canMove, effectiveStatus, PAYER, type Regime, rightsFrom } from "../domain/regimes.js";
import { AlreadyCoveredError, BadTransitionError, NotEligibleError, UnknownHouseholdError } from "../errors.js";
import { householdForTadamon, personFacts } from "../registers.js";

export const RegimeEnum = builder.enumType("Regime", {
  values: ["AMO_TADAMON", "AMO_SALARIED", "AMO_TNS", "AMO_ACHAMIL"] as const,
});
export const PayerEnum = builder.enumType("ContributionPayer", { values: ["STATE", "EMPLOYER", "SELF"] as const });
export const AffiliationStatusEnum = builder.enumType("AffiliationStatus", {
  values: ["PENDING", "ACTIVE", "SUSPENDED", "CLOSED"] as const,
});
export const CoverageRoleEnum = builder.enumType("CoverageRole", { values: ["PRINCIPAL", "DEPENDANT"] as const });
const OtherRegimeEnum = builder.enumType("ContributoryRegime", {
  values: ["AMO_SALARIED", "AMO_TNS", "AMO_ACHAMIL"] as const,
});
const DependantRelationEnum = builder.enumType("DependantRelation", { values: ["SPOUSE", "CHILD"] as const });

/** Affiliations are read and acted on nationwide, in a case worker's region, or by their own people. */
export const AFFILIATION_ROWS = ["sameRegion", "self"] as const;

export const CoveredPerson = builder.prismaObject("Coverage", {
  name: "CoveredPerson",
  fields: (t) => ({
    idcs: t.exposeID("personIdcs", needs("health:coverage")),
    role: t.expose("role", { type: CoverageRoleEnum, ...needs("health:coverage") }),
    dependantKind: t.exposeString("dependantKind", {
      ...needs("health:coverage"),
      description: "SPOUSE, CHILD, STUDENT_CHILD or DISABLED_CHILD",
    }),
    since: t.expose("since", { type: "DateTime", ...needs("health:coverage") }),
    until: t.expose("until", { type: "DateTime", ...needs("health:coverage") }),
    endReason: t.exposeString("endReason", needs("health:coverage")),
  }),
});

export const Affiliation = builder.prismaObject("Affiliation", {
  description: "An AMO affiliation: a principal insured person, a regime, who pays, and who is covered",
  // `self`: the caller is the principal or one of the covered, from the coverages the `covered`
  // field loads anyway (one batched query per request, never one per row).
  ...rowPolicy<AffiliationRow, Context>(
    [...AFFILIATION_ROWS],
    (affiliation, context) => ({
      region: affiliation.regionCode,
      self: async () => {
        const { idcs } = context.caller;
        if (!idcs) {
          return false;
        }
        if (affiliation.principalIdcs === idcs) {
          return true;
        }
        const covered = await context.loaders.coverages.load(affiliation.id);
        return covered.some((coverage) => coverage.personIdcs === idcs);
      },
    }),
    (affiliation) => [affiliation.principalIdcs],
  ),
  fields: (t) => ({
    id: t.exposeID("id", needs("health:coverage")),
    principalIdcs: t.exposeID("principalIdcs", needs("health:coverage")),
    regime: t.expose("regime", { type: RegimeEnum, ...needs("health:coverage") }),
    payer: t.expose("payer", { type: PayerEnum, ...needs("health:coverage") }),
    status: t.field({
      type: AffiliationStatusEnum,
      ...needs("health:coverage"),
      description: "PENDING until rights open (AMO Achamil: three months after the first payment)",
      resolve: (a) => effectiveStatus(a.status, a.rightsFrom),
    }),
    statusReason: t.exposeString("statusReason", needs("health:coverage")),
    regionCode: t.exposeString("regionCode", needs("health:coverage")),
    householdId: t.exposeID("householdId", needs("health:coverage")),
    // The social register's index the decision relied on: never for the insurer's partners, who
    // hold health:coverage without social:index.
    scoreUsed: t.string({
      ...needs(["health:coverage", "social:index"]),
      resolve: (a) => a.scoreUsed?.toFixed(7) ?? null,
    }),
    modelVersionUsed: t.exposeString("modelVersionUsed", needs(["health:coverage", "social:index"])),
    openedAt: t.expose("openedAt", { type: "DateTime", ...needs("health:coverage") }),
    rightsFrom: t.expose("rightsFrom", { type: "Date", ...needs("health:coverage") }),
    covered: t.field({
      type: [CoveredPerson],
      ...needs("health:coverage"),
      // The principal and their dependants: at most a household.
      ...HOUSEHOLD_MEMBERS,
      resolve: (a, _args, context) => context.loaders.coverages.load(a.id),
    }),
  }),
});

const AffiliationPayload = builder.objectRef<{ id: string }>("AffiliationPayload").implement({
  fields: (t) => ({
    affiliation: t.field({
      type: Affiliation,
      ...needs("health:enrol"),
      resolve: async ({ id }, _args, context) => {
        context.loaders.affiliation.clear(id);
        context.loaders.coverages.clear(id);
        const affiliation = await context.loaders.affiliation.load(id);
        if (!affiliation) {
          throw new NotFoundError("Affiliation");
        }
        return affiliation;
      },
    }),
  }),
});

const DependantInput = builder.inputType("DependantInput", {
  fields: (t) => ({
    idcs: t.id({ required: true }),
    relation: t.field({ type: DependantRelationEnum, required: true }),
    unmarried: t.boolean({ required: false, defaultValue: true }),
    inHigherEducation: t.boolean({ required: false, defaultValue: false }),
    disabled: t.boolean({ required: false, defaultValue: false }),
  }),
});

const RegisterAffiliationInput = builder.inputType("RegisterAffiliationInput", {
  fields: (t) => ({
    principalIdcs: t.id({ required: true }),
    regime: t.field({ type: OtherRegimeEnum, required: true }),
    dependants: t.field({ type: [DependantInput], required: false, defaultValue: [] }),
    firstPaymentDate: t.field({
      type: "Date",
      required: false,
      description: "AMO Achamil: rights open three months later",
    }),
    fromTadamon: t.boolean({ required: false, defaultValue: false, description: "AMO Achamil without waiting period" }),
  }),
});

/** Writes an affiliation and its coverages; the partial unique index settles races. */
async function writeAffiliation(
  context: Context,
  key: string | null | undefined,
  operation: string,
  request: unknown,
  build: (tx: Context["prisma"]) => Promise<{ id: string }>,
): Promise<{ id: string }> {
  try {
    return await context.prisma.$transaction((tx) =>
      once(tx, { scope: idempotencyScope(context.caller), key, operation, request }, () =>
        build(tx as Context["prisma"]),
      ),
    );
  } catch (error) {
    if (isUniqueViolation(error, "coverage_one_active_per_person")) {
      throw new AlreadyCoveredError([]);
    }
    throw error;
  }
}

async function refuseIfCovered(tx: Context["prisma"], idcs: string[]): Promise<void> {
  const open = await tx.coverage.findMany({ where: { personIdcs: { in: idcs }, until: null } });
  if (open.length > 0) {
    throw new AlreadyCoveredError(open.map((c) => c.personIdcs));
  }
}

async function changeStatus(context: Context, id: string, to: AffiliationStatus, reason: string, key?: string | null) {
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

builder.mutationFields((t) => ({
  enrollAmoTadamon: t.field({
    type: AffiliationPayload,
    ...needs("health:enrol"),
    description:
      "Enrols a household in AMO-Tadamon if the social register says it is eligible now: the head as principal, every entitled member as dependant. Records the score and model version relied on. Enrolling an enrolled household returns its affiliation.",
    args: { householdId: t.arg.id({ required: true }), idempotencyKey: t.arg.string({ required: false }) },
    resolve: async (_root, args, context) => {
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
      const decision = household.eligibility.find((e) => e.program === "AMO_TADAMON");
      if (!decision?.eligible) {
        throw new NotEligibleError(
          decision
            ? `The household's index ${decision.scoreUsed} is above the AMO-Tadamon threshold`
            : "The household has no index yet",
        );
      }
      const now = new Date();
      const head = household.members.find((m) => m.relationship === "HEAD");
      if (head?.person.lifeStatus !== "ALIVE") {
        throw new NotEligibleError("The household has no living head to enrol as principal");
      }
      const schooling = new Map(household.declaration?.members.map((m) => [m.idcs, m.schooling]) ?? []);
      const dependants = household.members
        .filter((m) => m.relationship === "SPOUSE" || m.relationship === "CHILD")
        .filter((m) => m.person.lifeStatus === "ALIVE")
        .map((m) => ({
          idcs: m.person.idcs,
          kind: dependantKind({
            relation: m.relationship as "SPOUSE" | "CHILD",
            age: ageOn(m.person.birthDate, now),
            unmarried: true,
            inHigherEducation: schooling.get(m.person.idcs) === "HIGHER",
            disabled: false,
          }),
        }))
        .filter((d): d is { idcs: string; kind: NonNullable<typeof d.kind> } => d.kind !== null);
      return writeAffiliation(context, args.idempotencyKey, "enrollAmoTadamon", args, async (tx) => {
        await refuseIfCovered(tx, [head.person.idcs]);
        const taken = new Set(
          (
            await tx.coverage.findMany({ where: { personIdcs: { in: dependants.map((d) => d.idcs) }, until: null } })
          ).map((c) => c.personIdcs),
        );
        const id = randomUUID();
        await tx.affiliation.create({
          data: {
            id,
            principalIdcs: head.person.idcs,
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
        await tx.coverage.createMany({
          data: [
            { id: randomUUID(), affiliationId: id, personIdcs: head.person.idcs, role: "PRINCIPAL" },
            ...dependants
              .filter((d) => !taken.has(d.idcs))
              .map((d) => ({
                id: randomUUID(),
                affiliationId: id,
                personIdcs: d.idcs,
                role: "DEPENDANT" as const,
                dependantKind: d.kind,
              })),
          ],
        });
        return { id };
      });
    },
  }),
  registerAffiliation: t.field({
    type: AffiliationPayload,
    ...needs("health:enrol"),
    description:
      "Affiliates a principal to a contributory regime (salaried, self-employed, Achamil) with entitled dependants.",
    args: {
      input: t.arg({ type: RegisterAffiliationInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (_root, { input, idempotencyKey }, context) => {
      const dependantsIn = input.dependants ?? [];
      const everyone = [input.principalIdcs, ...dependantsIn.map((d) => d.idcs)];
      if (everyone.some((idcs) => idcsProblem(idcs))) {
        throw new ValidationError([
          { field: "input", message: "every IDCS must be 10 digits with a valid check digit" },
        ]);
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
      const missing = everyone.filter((idcs) => facts.get(idcs)?.lifeStatus !== "ALIVE");
      if (missing.length > 0) {
        throw new NotEligibleError(`Not registered or not alive in the population register: ${missing.join(", ")}`);
      }
      const principal = facts.get(input.principalIdcs);
      const now = new Date();
      if (input.regime === "AMO_ACHAMIL") {
        const achamil = principal?.household?.eligibility.find((e) => e.program === "AMO_ACHAMIL");
        if (!achamil?.eligible) {
          throw new NotEligibleError(
            "AMO Achamil is for households above the AMO-Tadamon threshold in the social register",
          );
        }
      }
      const problems: { field: string; message: string }[] = [];
      const dependants = dependantsIn.map((d, i) => {
        const kind = dependantKind({
          relation: d.relation,
          age: ageOn(facts.get(d.idcs)?.birthDate ?? "1900-01-01", now),
          unmarried: d.unmarried ?? true,
          inHigherEducation: d.inHigherEducation ?? false,
          disabled: d.disabled ?? false,
        });
        if (!kind) {
          problems.push({
            field: `input.dependants.${i}`,
            message: "is not entitled (children up to 21, 26 in higher education, any age if disabled)",
          });
        }
        return { idcs: d.idcs, kind };
      });
      if (problems.length > 0) {
        throw new ValidationError(problems);
      }
      const regime = input.regime as Regime;
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
        await tx.coverage.createMany({
          data: [
            { id: randomUUID(), affiliationId: id, personIdcs: input.principalIdcs, role: "PRINCIPAL" },
            ...dependants.map((d) => ({
              id: randomUUID(),
              affiliationId: id,
              personIdcs: d.idcs,
              role: "DEPENDANT" as const,
              dependantKind: d.kind,
            })),
          ],
        });
        return { id };
      });
    },
  }),
  closeCoverageOfDeceased: t.int({
    ...needsNationwide("health:enrol"),
    // Walks every coverage nationwide and asks the population register about each batch.
    cost: 1000,
    description:
      "Asks the population register, in batches through the graph, who among the covered has died, and ends their coverage (closing the affiliation when the principal died). Returns how many coverages ended.",
    resolve: async (_root, _args, context) => {
      let ended = 0;
      let after: string | undefined;
      for (;;) {
        const page = await context.prisma.coverage.findMany({
          where: { until: null, ...(after ? { personIdcs: { gt: after } } : {}) },
          orderBy: { personIdcs: "asc" },
          take: 1000,
        });
        if (page.length === 0) {
          return ended;
        }
        after = page.at(-1)?.personIdcs;
        const facts = await personFacts(
          context.graph,
          page.map((c) => c.personIdcs),
        );
        const dead = page.filter((c) => facts.get(c.personIdcs)?.lifeStatus === "DECEASED");
        const now = new Date();
        await context.prisma.$transaction(async (tx) => {
          for (const coverage of dead) {
            await tx.coverage.updateMany({
              where: { id: coverage.id, until: null },
              data: { until: now, endReason: "DECEASED" },
            });
            if (coverage.role === "PRINCIPAL") {
              await tx.affiliation.update({
                where: { id: coverage.affiliationId },
                data: { status: "CLOSED", statusReason: "Principal deceased", statusChangedAt: now },
              });
              await tx.coverage.updateMany({
                where: { affiliationId: coverage.affiliationId, until: null },
                data: { until: now, endReason: "Principal deceased" },
              });
            }
          }
        });
        ended += dead.length;
      }
    },
  }),
}));

// Suspending, reinstating and closing differ only in the status they move to.
for (const [name, to, description] of [
  ["suspendAffiliation", "SUSPENDED", "Suspends an affiliation, with the reason"],
  ["reinstateAffiliation", "ACTIVE", "Reinstates a suspended affiliation, with the reason"],
  ["closeAffiliation", "CLOSED", "Closes an affiliation and ends its coverages, with the reason"],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: AffiliationPayload,
      ...needs("health:enrol"),
      description,
      args: {
        id: t.arg.id({ required: true }),
        reason: t.arg.string({ required: true }),
        idempotencyKey: t.arg.string({ required: false }),
      },
      resolve: (_root, args, context) => changeStatus(context, args.id, to, args.reason, args.idempotencyKey),
    }),
  );
}

builder.queryField("affiliation", (t) =>
  t.field({
    type: Affiliation,
    // The row itself is decided by the Affiliation type's policy.
    ...needs("health:coverage"),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => (isUuid(id) ? context.loaders.affiliation.load(id) : null),
  }),
);
