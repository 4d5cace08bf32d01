import { randomUUID } from "node:crypto";
import { idcsProblem } from "@spx/reference/idcs";
import { provinceOf } from "@spx/reference/regions";
import { assertRowAllowed } from "@spx/runtime/access";
import { isUniqueViolation, type Json, onceInTransaction } from "@spx/runtime/database";
import { PersonDeceasedError, ValidationError } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import { assertHouseholdAllowed, HOUSEHOLD_ROWS, requireHousehold } from "../access.js";
import type { Context } from "../context.js";
import {
  checkHouseholdInput,
  type HouseholdAddress,
  type MemberInput,
  type Relationship,
} from "../domain/household-rules.js";
import {
  AlreadyInHouseholdError,
  HeadCannotLeaveError,
  MinorHeadError,
  NotAMemberError,
  UnknownPersonError,
} from "../errors.js";
import { lookUpPersons, type RegisteredPerson } from "../population-directory.js";
import { recordMembersChanged } from "./outbox-events.js";

const MAJORITY_AGE = 18;

/** Asks the population register, through the graph, whether everyone exists and is alive. */
async function requireLivingPersons(context: Context, idcs: string[]): Promise<Map<string, RegisteredPerson>> {
  const persons = await lookUpPersons(context.graph, idcs);
  const unknown = idcs.filter((id) => !persons.has(id));
  if (unknown.length > 0) {
    throw new UnknownPersonError(unknown);
  }
  const deceased = idcs.filter((id) => persons.get(id)?.lifeStatus === "DECEASED");
  if (deceased.length > 0) {
    throw new PersonDeceasedError(deceased);
  }
  return persons;
}

async function refuseIfInAHousehold(tx: Context["prisma"], idcs: string[]): Promise<void> {
  const open = await tx.membership.findMany({ where: { personIdcs: { in: idcs }, until: null } });
  if (open.length > 0) {
    throw new AlreadyInHouseholdError(open.map((m) => m.personIdcs));
  }
}

/** A write of memberships, once per idempotency key; a lost race for a person is ALREADY_IN_HOUSEHOLD. */
async function writeMemberships<T extends Json>(
  context: Context,
  idcs: string[],
  write: Parameters<typeof onceInTransaction>[2],
  run: (tx: Parameters<Parameters<Context["prisma"]["$transaction"]>[0]>[0]) => Promise<T>,
): Promise<T> {
  try {
    return await onceInTransaction(context.prisma, context.caller, write, run);
  } catch (error) {
    if (isUniqueViolation(error, "membership_one_active_household")) {
      throw new AlreadyInHouseholdError(idcs);
    }
    throw error;
  }
}

function requireWellFormed(idcs: string, field: string): string {
  if (idcsProblem(idcs)) {
    throw new ValidationError([{ field, message: "is not a valid IDCS" }]);
  }
  return idcs;
}

/** Registers a household around an adult head, every member alive and in no other household. */
export async function registerHousehold(
  context: Context,
  {
    input,
    idempotencyKey,
  }: {
    input: { headIdcs: string; members: readonly MemberInput[]; address: HouseholdAddress };
    idempotencyKey?: string | null;
  },
): Promise<{ id: string }> {
  const members = input.members as MemberInput[];
  const problems = checkHouseholdInput(input.headIdcs, members, input.address);
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  // A case worker registers households of their own region only.
  await assertRowAllowed(context, HOUSEHOLD_ROWS, { region: input.address.regionCode }, "This household");
  const everyone = [input.headIdcs, ...members.map((m) => m.idcs)];
  const persons = await requireLivingPersons(context, everyone);
  const head = persons.get(input.headIdcs);
  if (!head || ageOn(head.birthDate, new Date()) < MAJORITY_AGE) {
    throw new MinorHeadError();
  }
  const province = provinceOf(input.address.regionCode, input.address.province)?.name ?? input.address.province;
  return writeMemberships(
    context,
    everyone,
    { key: idempotencyKey, operation: "registerHousehold", request: input },
    async (tx) => {
      await refuseIfInAHousehold(tx as Context["prisma"], everyone);
      const id = randomUUID();
      await tx.household.create({
        data: {
          id,
          regionCode: input.address.regionCode,
          province,
          commune: input.address.commune.trim(),
          milieu: input.address.milieu,
        },
      });
      await tx.membership.createMany({
        data: [
          { id: randomUUID(), householdId: id, personIdcs: input.headIdcs, relationship: "HEAD" },
          ...members.map((m) => ({
            id: randomUUID(),
            householdId: id,
            personIdcs: m.idcs,
            relationship: m.relationship,
          })),
        ],
      });
      return { id };
    },
  );
}

/** Adds a living person who is in no household to a household the caller may act on. */
export async function addMember(
  context: Context,
  args: { householdId: string; member: MemberInput; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  await assertHouseholdAllowed(context, await requireHousehold(context, args.householdId));
  const idcs = requireWellFormed(args.member.idcs, "member.idcs");
  if (args.member.relationship === "HEAD") {
    throw new ValidationError([{ field: "member.relationship", message: "a household has one head" }]);
  }
  await requireLivingPersons(context, [idcs]);
  return writeMemberships(
    context,
    [idcs],
    { key: args.idempotencyKey, operation: "addHouseholdMember", request: args },
    async (tx) => {
      await refuseIfInAHousehold(tx as Context["prisma"], [idcs]);
      await tx.membership.create({
        data: {
          id: randomUUID(),
          householdId: args.householdId,
          personIdcs: idcs,
          relationship: args.member.relationship,
        },
      });
      await recordMembersChanged(tx, args.householdId);
      return { id: args.householdId };
    },
  );
}

/** Ends a member's membership of a household the caller may act on; the head stays. */
export async function removeMember(
  context: Context,
  args: { householdId: string; idcs: string; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  await assertHouseholdAllowed(context, await requireHousehold(context, args.householdId));
  const idcs = requireWellFormed(args.idcs, "idcs");
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "removeHouseholdMember", request: args },
    async (tx) => {
      const membership = await tx.membership.findFirst({
        where: { householdId: args.householdId, personIdcs: idcs, until: null },
      });
      if (!membership) {
        throw new NotAMemberError("household");
      }
      if (membership.relationship === "HEAD") {
        throw new HeadCannotLeaveError("removed");
      }
      await tx.membership.update({ where: { id: membership.id }, data: { until: new Date() } });
      await recordMembersChanged(tx, args.householdId);
      return { id: args.householdId };
    },
  );
}

/** Moves a member to another household in one transaction: never in two households, never in none. */
export async function moveMember(
  context: Context,
  args: { idcs: string; toHouseholdId: string; relationship: Relationship; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  await assertHouseholdAllowed(context, await requireHousehold(context, args.toHouseholdId));
  const idcs = requireWellFormed(args.idcs, "idcs");
  if (args.relationship === "HEAD") {
    throw new ValidationError([{ field: "relationship", message: "a household has one head" }]);
  }
  // The household the person leaves must be one the caller may act on too.
  const leaving = await context.loaders.membershipOfPerson.load(idcs);
  const source = leaving ? await context.loaders.household.load(leaving.householdId) : null;
  if (source) {
    await assertHouseholdAllowed(context, source);
  }
  await requireLivingPersons(context, [idcs]);
  return writeMemberships(
    context,
    [idcs],
    { key: args.idempotencyKey, operation: "moveHouseholdMember", request: args },
    async (tx) => {
      const current = await tx.membership.findFirst({ where: { personIdcs: idcs, until: null } });
      if (!current) {
        throw new NotAMemberError("any");
      }
      if (current.householdId === args.toHouseholdId) {
        throw new AlreadyInHouseholdError();
      }
      if (current.relationship === "HEAD") {
        throw new HeadCannotLeaveError("moved");
      }
      if (current.householdId !== source?.id) {
        // Moved since the check above: check the household the person actually leaves.
        const from = await tx.household.findUniqueOrThrow({ where: { id: current.householdId } });
        await assertHouseholdAllowed(context, from);
      }
      await tx.membership.update({ where: { id: current.id }, data: { until: new Date() } });
      await tx.membership.create({
        data: {
          id: randomUUID(),
          householdId: args.toHouseholdId,
          personIdcs: idcs,
          relationship: args.relationship,
        },
      });
      // Both households changed: the one left and the one joined.
      await recordMembersChanged(tx, current.householdId);
      await recordMembersChanged(tx, args.toHouseholdId);
      return { id: args.toHouseholdId };
    },
  );
}
