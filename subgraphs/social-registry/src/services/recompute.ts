import { randomUUID } from "node:crypto";
import { eligibilityChanges } from "../domain/eligibility-changes.js";
import type { HouseholdFacts } from "../domain/household-facts.js";
import { computeIndex, selectModel } from "../domain/index-model.js";
import type { RegistryData } from "../registry-data.js";
import type { RegistryPrisma } from "../subgraph.js";
import { batchStatements, recordEligibilityChanges } from "./outbox-events.js";

const PAGE = 500;

/**
 * Recomputes the index of every household whose index in force was computed with another model
 * than the one in force today for its milieu (or of every household with `all`), from the facts
 * stored with that computation. Runs page by page, each page in its own transaction, and reports
 * progress; a household whose eligibility for a programme flips gets its `eligibility.changed`
 * (cause RECOMPUTE) in the page's transaction. Returns how many households got a new index.
 */
export async function recomputeIndices(
  prisma: RegistryPrisma,
  data: RegistryData,
  options: { all?: boolean; on?: Date; onProgress?: (done: number, total: number) => void } = {},
): Promise<number> {
  const on = options.on ?? new Date();
  const inForce = new Map(
    (["URBAN", "RURAL"] as const).map((milieu) => [milieu, selectModel(data.models, milieu, on)] as const),
  );
  const stale = (milieu: "URBAN" | "RURAL", version: string) => options.all || inForce.get(milieu)?.version !== version;
  const total = await prisma.indexComputation.count({ where: { current: true } });
  let done = 0;
  let updated = 0;
  let after: string | undefined;
  for (;;) {
    const page = await prisma.indexComputation.findMany({
      where: { current: true, ...(after ? { householdId: { gt: after } } : {}) },
      orderBy: { householdId: "asc" },
      take: PAGE,
      include: { household: { select: { milieu: true } } },
    });
    if (page.length === 0) {
      break;
    }
    const renewals = page.filter((c) => stale(c.household.milieu, c.modelVersion));
    const renewed = renewals.flatMap((old) => {
      const model = inForce.get(old.household.milieu);
      if (!model) {
        return [];
      }
      const result = computeIndex(old.inputs as unknown as HouseholdFacts, model);
      return [
        {
          id: randomUUID(),
          householdId: old.householdId,
          declarationVersion: old.declarationVersion,
          modelVersion: model.version,
          score: result.score,
          inputs: old.inputs ?? {},
          contributions: JSON.parse(JSON.stringify(result.contributions)),
        },
      ];
    });
    if (renewed.length > 0) {
      // Two statements per page in one batch transaction: a page of 500 updated and created one by
      // one ran past the interactive transaction's 5 s under CI load.
      // The events go in the same batch: one statement per flip, and flips are few.
      const replaced = new Map(renewals.map((c) => [c.householdId, c]));
      const events = batchStatements((query, ...values) => prisma.$executeRawUnsafe(query, ...values));
      await recordEligibilityChanges(
        events.sql,
        renewed.flatMap((r) => {
          const old = replaced.get(r.householdId);
          return eligibilityChanges(
            data.thresholds,
            r.householdId,
            old ? { score: old.score.toFixed(7) } : null,
            r,
            "RECOMPUTE",
            on,
          );
        }),
      );
      await prisma.$transaction([
        prisma.indexComputation.updateMany({
          where: { id: { in: renewed.flatMap((r) => replaced.get(r.householdId)?.id ?? []) } },
          data: { current: false },
        }),
        prisma.indexComputation.createMany({ data: renewed }),
        ...events.statements,
      ]);
      updated += renewed.length;
    }
    done += page.length;
    after = page.at(-1)?.householdId;
    options.onProgress?.(done, total);
  }
  return updated;
}
