import type { Database } from "@spx/runtime/database";
import { PrismaClient } from "../generated/prisma/index.js";

export type InsurancePrisma = PrismaClient;

export function createPrisma(database: Database): InsurancePrisma {
  return new PrismaClient({ adapter: database.adapter });
}
