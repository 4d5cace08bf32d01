import { randomUUID } from "node:crypto";
import type { HouseholdFacts } from "../domain/household-facts.js";
import { computeIndex, selectModel } from "../domain/index-model.js";
import type { RegistryData } from "../registry-data.js";
import type { RegistryPrisma } from "../subgraph.js";

const PAGE = 500;

/**
 * Recomputes the index of every household whose index in force was computed with another model
 * than the one in force today for its milieu (or of every household with `all`), from the facts
 * stored with that computation. Runs page by page, each page in its own transaction, and reports
 * progress. Returns how many households got a new index.
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
    await prisma.$transaction(async (tx) => {
      for (const old of renewals) {
        const model = inForce.get(old.household.milieu);
        if (!model) {
          continue;
        }
        const facts = old.inputs as unknown as HouseholdFacts;
        const result = computeIndex(facts, model);
        await tx.indexComputation.update({ where: { id: old.id }, data: { current: false } });
        await tx.indexComputation.create({
          data: {
            id: randomUUID(),
            householdId: old.householdId,
            declarationVersion: old.declarationVersion,
            modelVersion: model.version,
            score: result.score,
            inputs: old.inputs ?? {},
            contributions: JSON.parse(JSON.stringify(result.contributions)),
          },
        });
        updated++;
      }
    });
    done += page.length;
    after = page.at(-1)?.householdId;
    options.onProgress?.(done, total);
  }
  return updated;
}
