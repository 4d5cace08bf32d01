import type { Database } from "@spx/runtime/database";
import { PrismaClient } from "../generated/prisma/index.js";

export type RegistryPrisma = PrismaClient;

export function createPrisma(database: Database): RegistryPrisma {
  return new PrismaClient({ adapter: database.adapter });
}
