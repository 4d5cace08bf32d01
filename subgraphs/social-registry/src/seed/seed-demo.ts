import { randomUUID } from "node:crypto";
import { assessDeclaration } from "../assessment.js";
import type { RegistryPrisma } from "../db.js";
import type { RegistryData } from "../registry-data.js";
import { generateDemoHouseholds } from "./demo-households.js";

const SEED_LOCK = 72707371;
const BATCH = 200;

/**
 * Loads the demo households (members, a first declaration, its verification and index, and the
 * reference administrative records) into an empty register, in one transaction. Returns how many
 * households were written (0 when the register already held data).
 */
export async function seedDemoIfEmpty(
  prisma: RegistryPrisma,
  data: RegistryData,
  options: { seed?: number; persons?: number } = {},
): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", SEED_LOCK);
      if ((await tx.household.findFirst({ select: { id: true } })) !== null) {
        return 0;
      }
      const now = new Date();
      let written = 0;
      let batch: ReturnType<typeof rowsOf>[] = [];
      const flush = async () => {
        await tx.household.createMany({ data: batch.map((b) => b.household) });
        await tx.membership.createMany({ data: batch.flatMap((b) => b.memberships) });
        await tx.declaration.createMany({ data: batch.map((b) => b.declaration) });
        await tx.indexComputation.createMany({ data: batch.map((b) => b.index) });
        const records = batch.flatMap((b) => b.records);
        if (records.length > 0) {
          await tx.referenceAdministrativeRecord.createMany({ data: records, skipDuplicates: true });
        }
        written += batch.length;
        batch = [];
      };
      const rowsOf = (demo: ReturnType<typeof generateDemoHouseholds> extends Generator<infer T> ? T : never) => {
        const ages = new Map(
          demo.members.map((m) => [
            m.idcs,
            Math.floor((now.getTime() - m.birthDate.getTime()) / (365.25 * 86_400_000)),
          ]),
        );
        const assessment = assessDeclaration({
          household: { regionCode: demo.regionCode, milieu: demo.milieu },
          headIdcs: demo.headIdcs,
          input: demo.declaration,
          ages,
          records: demo.records,
          models: data.models,
          on: now,
        });
        const d = demo.declaration;
        return {
          household: {
            id: demo.id,
            regionCode: demo.regionCode,
            province: demo.province,
            commune: demo.commune,
            milieu: demo.milieu,
          },
          memberships: demo.members.map((m) => ({
            id: randomUUID(),
            householdId: demo.id,
            personIdcs: m.idcs,
            relationship: m.relationship,
          })),
          declaration: {
            id: randomUUID(),
            householdId: demo.id,
            version: 1,
            declaredBy: "demo-seed",
            housingType: d.housingType,
            rooms: d.rooms,
            occupancy: d.occupancy,
            waterConnected: d.waterConnected,
            electricityConnected: d.electricityConnected,
            electricitySpending: d.electricitySpending,
            waterSpending: d.waterSpending,
            telephoneSpending: d.telephoneSpending,
            gasSpending: d.gasSpending,
            durableGoods: [...d.durableGoods],
            livestockHeads: d.livestockHeads,
            landHectares: d.landHectares.toFixed(2),
            memberDetails: d.members.map((m) => ({ ...m })),
            verification: assessment.checks.map((c) => ({ ...c })),
          },
          index: {
            id: randomUUID(),
            householdId: demo.id,
            declarationVersion: 1,
            modelVersion: assessment.model.version,
            score: assessment.result.score,
            inputs: JSON.parse(JSON.stringify(assessment.facts)),
            contributions: JSON.parse(JSON.stringify(assessment.result.contributions)),
          },
          records: demo.records.map((record) => ({ ...record, asOf: now })),
        };
      };
      for (const demo of generateDemoHouseholds({ ...options, today: now })) {
        batch.push(rowsOf(demo));
        if (batch.length === BATCH) {
          await flush();
        }
      }
      if (batch.length > 0) {
        await flush();
      }
      return written;
    },
    { timeout: 180_000, maxWait: 30_000 },
  );
}
