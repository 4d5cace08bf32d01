import type { RegistryData } from "../registry-data.js";
import type { RegistryPrisma } from "../subgraph.js";
import { assessDemo, type DemoHousehold, generateDemoHouseholds } from "./demo-households.js";
import { type RegistryRows, registryRows } from "./registry-rows.js";

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
      let batch: RegistryRows[] = [];
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
      const rowsOf = (demo: DemoHousehold) => {
        const ages = new Map(
          demo.members.map((m) => [
            m.idcs,
            Math.floor((now.getTime() - m.birthDate.getTime()) / (365.25 * 86_400_000)),
          ]),
        );
        return registryRows(demo, assessDemo(demo, ages, data.models, now), now);
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
