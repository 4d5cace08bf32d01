import { type Database, readsFor } from "@spx/runtime/database";
import { type Person, Prisma } from "../generated/prisma/index.js";
import type { PopulationPrisma } from "./db.js";

/** The register's reads by key, for its loaders (see `keyedReads`). */
export function createReads(prisma: PopulationPrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return { person: reads<Person>("Person", prisma.person) };
}

export type Reads = ReturnType<typeof createReads>;
