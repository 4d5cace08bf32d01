import { type Database, readsFor } from "@spx/runtime/database";
import { type Household, type IndexComputation, type Membership, Prisma } from "../generated/prisma/index.js";
import type { RegistryPrisma } from "./db.js";

/** The register's reads by key, for its loaders (see `keyedReads`). */
export function createReads(prisma: RegistryPrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return {
    household: reads<Household>("Household", prisma.household),
    membership: reads<Membership>("Membership", prisma.membership),
    indexComputation: reads<IndexComputation>("IndexComputation", prisma.indexComputation),
  };
}

export type Reads = ReturnType<typeof createReads>;
