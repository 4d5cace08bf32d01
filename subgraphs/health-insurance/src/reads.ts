import { type Database, readsFor } from "@spx/runtime/database";
import { type Affiliation, type Coverage, Prisma } from "../generated/prisma/index.js";
import type { InsurancePrisma } from "./db.js";

/** The register's reads by key, for its loaders (see `keyedReads`). */
export function createReads(prisma: InsurancePrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return {
    coverage: reads<Coverage>("Coverage", prisma.coverage),
    affiliation: reads<Affiliation>("Affiliation", prisma.affiliation),
  };
}

export type Reads = ReturnType<typeof createReads>;
