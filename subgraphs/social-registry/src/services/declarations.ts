import { randomUUID } from "node:crypto";
import { onceInTransaction } from "@spx/runtime/database";
import { PersonDeceasedError, ValidationError } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import type { Household } from "../../generated/prisma/index.js";
import { assessDeclaration } from "../assessment.js";
import type { Context } from "../context.js";
import { declarationRecord, indexRecord } from "../declaration-records.js";
import { checkDeclaration, type DeclarationInput } from "../domain/declaration-rules.js";
import { lookUpPersons } from "../population-directory.js";
import { ReferenceDatasetSource } from "../reference-dataset-source.js";

/** A declaration as asked: livestock and land may be left out, for none. */
export type DeclarationRequest = Omit<DeclarationInput, "livestockHeads" | "landHectares"> & {
  livestockHeads?: number | null;
  landHectares?: number | null;
};

/**
 * Records a new version of a household's living conditions (one the caller may act on), checked
 * against the members and the administrative sources, with the index it gives, in one transaction.
 */
export async function declareLivingConditions(
  context: Context,
  household: Household,
  args: { householdId: string; input: DeclarationRequest; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  const members = await context.loaders.members.load(household.id);
  const head = members.find((m) => m.relationship === "HEAD");
  const input: DeclarationInput = {
    ...args.input,
    livestockHeads: args.input.livestockHeads ?? 0,
    landHectares: args.input.landHectares ?? 0,
  };
  const memberIdcs = members.map((m) => m.personIdcs);
  const problems = checkDeclaration(input, memberIdcs);
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  // Facts from other registers are gathered before the transaction opens.
  const persons = await lookUpPersons(context.graph, memberIdcs);
  const deceased = memberIdcs.filter((idcs) => persons.get(idcs)?.lifeStatus !== "ALIVE");
  if (deceased.length > 0) {
    throw new PersonDeceasedError(deceased);
  }
  const now = new Date();
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
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "declareLivingConditions", request: args },
    async (tx) => {
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
          input,
          assessment,
        ),
      });
      await tx.indexComputation.updateMany({
        where: { householdId: household.id, current: true },
        data: { current: false },
      });
      await tx.indexComputation.create({
        data: indexRecord({ id: randomUUID(), householdId: household.id, declarationVersion: version }, assessment),
      });
      return { id: household.id };
    },
  );
}
