import { type Database, readsFor } from "@spx/runtime/database";
import { type Enrolment, Prisma } from "../generated/prisma/index.js";
import type { AidPrisma } from "./db.js";

/** The register's reads by key, for its loaders (see `keyedReads`). */
export function createReads(prisma: AidPrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return { enrolment: reads<Enrolment>("Enrolment", prisma.enrolment) };
}

export type Reads = ReturnType<typeof createReads>;
