import { randomUUID } from "node:crypto";
import { onceInTransaction } from "@spx/runtime/database";
import { PersonDeceasedError, ValidationError } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import type { Household } from "../../generated/prisma/index.js";
import { type Assessment, assessDeclaration } from "../assessment.js";
import type { Context } from "../context.js";
import { declarationRecord, indexRecord } from "../declaration-records.js";
import {
  checkDeclaration,
  type DeclarationInput,
  type MemberDetailRequest,
  memberDetailsOf,
} from "../domain/declaration-rules.js";
import type { EligibilityCause } from "../domain/eligibility-changes.js";
import { lookUpPersons } from "../population-directory.js";
import { ReferenceDatasetSource } from "../reference-dataset-source.js";
import { type IndexWriteTx, replaceCurrentIndex } from "./index-writes.js";

/** A declaration as asked: livestock and land may be left out, for none; members' lines as clients send them. */
export type DeclarationRequest = Omit<DeclarationInput, "livestockHeads" | "landHectares" | "members"> & {
  livestockHeads?: number | null;
  landHectares?: number | null;
  members: readonly MemberDetailRequest[];
};

/** A declaration checked and assessed, ready to be written. */
export interface PreparedDeclaration {
  input: DeclarationInput;
  assessment: Assessment;
  on: Date;
}

/**
 * Checks a declaration against the household's members and the administrative sources and
 * computes its index, reading other registers before any transaction opens. Refuses bad input
 * with BAD_USER_INPUT and deceased members with PERSON_DECEASED.
 */
export async function prepareDeclaration(
  context: Context,
  household: Household,
  request: DeclarationRequest,
): Promise<PreparedDeclaration> {
  const now = new Date();
  const members = await context.loaders.members.load(household.id);
  const head = members.find((m) => m.relationship === "HEAD");
  const details = memberDetailsOf(request.members, now);
  const input: DeclarationInput = {
    ...request,
    livestockHeads: request.livestockHeads ?? 0,
    landHectares: request.landHectares ?? 0,
    members: details.members,
  };
  const memberIdcs = members.map((m) => m.personIdcs);
  const problems = [...checkDeclaration(input, memberIdcs), ...details.problems];
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  // Facts from other registers are gathered before the transaction opens.
  const persons = await lookUpPersons(context.graph, memberIdcs);
  const deceased = memberIdcs.filter((idcs) => persons.get(idcs)?.lifeStatus !== "ALIVE");
  if (deceased.length > 0) {
    throw new PersonDeceasedError(deceased);
  }
  const ages = new Map([...persons].map(([idcs, p]) => [idcs, ageOn(p.birthDate, now)]));
  const records = await new ReferenceDatasetSource(context.prisma).lookup(memberIdcs);
  const assessment = assessDeclaration({
    household,
    headIdcs: head?.personIdcs ?? memberIdcs[0] ?? "",
    input,
    ages,
    records,
    models: context.data.models,
    on: now,
  });
  return { input, assessment, on: now };
}

/**
 * Inside the caller's transaction: the next version of the household's declaration, the index it
 * gives in force, and the eligibility events that index causes. Returns the version written.
 */
export async function writeDeclaration(
  tx: IndexWriteTx,
  context: Pick<Context, "data" | "caller">,
  household: Household,
  prepared: PreparedDeclaration,
  cause: EligibilityCause,
): Promise<number> {
  // Two declarations of one household at once would both read the same last version:
  // the household's row is locked first, so they take their turns instead.
  await tx.$queryRawUnsafe("SELECT 1 FROM household WHERE id = $1 FOR UPDATE", household.id);
  const last = await tx.declaration.findFirst({
    where: { householdId: household.id },
    orderBy: { version: "desc" },
    select: { version: true },
  });
  const version = (last?.version ?? 0) + 1;
  await tx.declaration.create({
    data: declarationRecord(
      { id: randomUUID(), householdId: household.id, version, declaredBy: context.caller.sub },
      prepared.input,
      prepared.assessment,
    ),
  });
  await replaceCurrentIndex(
    tx,
    context.data.thresholds,
    indexRecord({ id: randomUUID(), householdId: household.id, declarationVersion: version }, prepared.assessment),
    { cause, on: prepared.on },
  );
  return version;
}

/**
 * Records a new version of a household's living conditions (one the caller may act on), checked
 * against the members and the administrative sources, with the index it gives, in one transaction.
 */
export async function declareLivingConditions(
  context: Context,
  household: Household,
  args: { householdId: string; input: DeclarationRequest; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  const prepared = await prepareDeclaration(context, household, args.input);
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "declareLivingConditions", request: args },
    async (tx) => {
      await writeDeclaration(tx, context, household, prepared, "DECLARATION");
      return { id: household.id };
    },
  );
}
