import type { Database } from "@spx/runtime/database";
import { PrismaClient } from "../generated/prisma/index.js";

export type AidPrisma = PrismaClient;

export function createPrisma(database: Database): AidPrisma {
  return new PrismaClient({ adapter: database.adapter });
}
