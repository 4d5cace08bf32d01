import { fileURLToPath } from "node:url";
import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import { type Person, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type PopulationPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export type Reads = ReturnType<typeof createReads>;
export function createReads(prisma: PopulationPrisma, database: Database) {
  const reads = readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text));
  return {
    person: reads<Person>("Person", prisma.person),
  };
}

/** The National Population Register (RNP): every resident, by IDCS. */
export const population = defineSubgraph({
  name: "population",
  envPrefix: "POPULATION",
  defaultPort: 4001,
  migrationsDir: fileURLToPath(new URL("../prisma/migrations", import.meta.url)),
  schema,
  async setup({ database }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    const reads = createReads(prisma, database);
    return {
      prisma,
      context: createContext(prisma, reads),
      seed: async () => ({ persons: await seedDemoIfEmpty(prisma) }),
    };
  },
});
