import { SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/reference/thresholds";
import type { IndexModel } from "./domain/index-model.js";
import { parseIndexModel } from "./domain/index-model.js";
import { loadShippedModels } from "./domain/models.js";
import type { RegistryPrisma } from "./subgraph.js";

/**
 * The register's reference data: coefficient sets of the index model and programme thresholds,
 * both rows with effective dates. Shipped values are inserted when missing (never overwritten), so
 * an operator can add a new model version or threshold as data, and the cache is refreshed from
 * the database.
 */
export interface RegistryData {
  models: readonly IndexModel[];
  thresholds: readonly ThresholdRule[];
  refresh(): Promise<void>;
}

export async function installShippedReferenceData(prisma: RegistryPrisma): Promise<void> {
  for (const model of loadShippedModels()) {
    await prisma.indexModelVersion.upsert({
      where: { version_milieu: { version: model.version, milieu: model.milieu } },
      create: {
        version: model.version,
        milieu: model.milieu,
        effectiveFrom: new Date(`${model.effectiveFrom}T00:00:00Z`),
        definition: model as unknown as object,
      },
      update: {},
    });
  }
  for (const rule of SHIPPED_THRESHOLDS) {
    await prisma.programThreshold.upsert({
      where: {
        program_effectiveFrom: { program: rule.program, effectiveFrom: new Date(`${rule.effectiveFrom}T00:00:00Z`) },
      },
      create: {
        program: rule.program,
        effectiveFrom: new Date(`${rule.effectiveFrom}T00:00:00Z`),
        threshold: rule.threshold,
        comparison: rule.comparison,
      },
      update: {},
    });
  }
}

export async function loadRegistryData(prisma: RegistryPrisma): Promise<RegistryData> {
  const data: RegistryData = {
    models: [],
    thresholds: [],
    async refresh() {
      const models = await prisma.indexModelVersion.findMany({ orderBy: { effectiveFrom: "asc" } });
      const thresholds = await prisma.programThreshold.findMany({ orderBy: { effectiveFrom: "asc" } });
      data.models = models.map((row) => parseIndexModel(row.definition));
      data.thresholds = thresholds.map((row) => ({
        program: row.program as ThresholdRule["program"],
        threshold: row.threshold.toFixed(7),
        effectiveFrom: row.effectiveFrom.toISOString().slice(0, 10),
        comparison: row.comparison as ThresholdRule["comparison"],
      }));
    },
  };
  await data.refresh();
  return data;
}
