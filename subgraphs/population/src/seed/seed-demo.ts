import { DEMO_PERSONS, DEMO_SEED, generatePersons } from "@spx/reference/demo/demo-population";
import type { PopulationPrisma } from "../subgraph.js";

/** Distinct from the migration lock: seeding waits for migrations, not the other way round. */
const SEED_LOCK = 72707370;
const BATCH = 500;

/**
 * Loads the demo population into an empty register, in one transaction: replicas starting together
 * seed once, and a failure leaves the register empty rather than half-filled. Returns how many
 * persons were written (0 when the register already held data).
 */
export async function seedDemoIfEmpty(
  prisma: PopulationPrisma,
  options: { seed?: number; persons?: number } = {},
): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", SEED_LOCK);
      if ((await tx.person.findFirst({ select: { idcs: true } })) !== null) {
        return 0;
      }
      let batch = [];
      let written = 0;
      for (const person of generatePersons({
        seed: options.seed ?? DEMO_SEED,
        persons: options.persons ?? DEMO_PERSONS,
      })) {
        batch.push(person);
        if (batch.length === BATCH) {
          written += (await tx.person.createMany({ data: batch })).count;
          batch = [];
        }
      }
      if (batch.length > 0) {
        written += (await tx.person.createMany({ data: batch })).count;
      }
      return written;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
