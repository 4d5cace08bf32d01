import type { Database } from "@spx/runtime/database";
import { PrismaClient } from "../generated/prisma/index.js";

export type PopulationPrisma = PrismaClient;

/** The register's Prisma client over the database adapter (PostgreSQL or PGlite). */
export function createPrisma(database: Database): PopulationPrisma {
  return new PrismaClient({ adapter: database.adapter });
}
