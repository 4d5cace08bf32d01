import type { ThresholdRule } from "@spx/reference/thresholds";
import type { Prisma } from "../../generated/prisma/index.js";
import { type EligibilityCause, type EligibilityChanged, eligibilityChanges } from "../domain/eligibility-changes.js";
import { recordEligibilityChanges } from "./outbox-events.js";

/** An interactive transaction of the register. */
export type IndexWriteTx = Prisma.TransactionClient;

/**
 * Inside the caller's transaction: puts a new index in force for its household (the one it
 * replaces stays, no longer current) and records the `eligibility.changed` events it causes, in
 * that same transaction; returns them. Every interactive write of an index goes through here; the
 * batch recompute applies the same `eligibilityChanges` to a page.
 */
export async function replaceCurrentIndex(
  tx: IndexWriteTx,
  rules: readonly ThresholdRule[],
  record: Prisma.IndexComputationCreateManyInput,
  options: { cause: EligibilityCause; on: Date },
): Promise<EligibilityChanged[]> {
  const previous = await tx.indexComputation.findFirst({
    where: { householdId: record.householdId, current: true },
    select: { score: true },
  });
  await tx.indexComputation.updateMany({
    where: { householdId: record.householdId, current: true },
    data: { current: false },
  });
  await tx.indexComputation.create({ data: record });
  const changes = eligibilityChanges(
    rules,
    record.householdId,
    previous ? { score: previous.score.toFixed(7) } : null,
    { score: String(record.score), modelVersion: record.modelVersion },
    options.cause,
    options.on,
  );
  await recordEligibilityChanges(tx, changes);
  return changes;
}
