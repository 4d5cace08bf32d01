import { fileURLToPath } from "node:url";
import { readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import { type Person, Prisma, PrismaClient } from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type PopulationPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export type Reads = ReturnType<typeof readsOf>;
const readsOf = (prisma: PopulationPrisma, reads: ReturnType<typeof readsFor>) => ({
  person: reads<Person>("Person", prisma.person),
});

/** The National Population Register (RNP): every resident, by IDCS. */
export const population = defineSubgraph({
  name: "population",
  envPrefix: "POPULATION",
  defaultPort: 4001,
  migrationsDir: fileURLToPath(new URL("../prisma/migrations", import.meta.url)),
  schema,
  async setup({ database }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    const reads = readsOf(
      prisma,
      readsFor(database, Prisma.dmmf, (text) => new Prisma.Decimal(text)),
    );
    return {
      prisma,
      context: createContext(prisma, reads),
      seed: async () => ({ persons: await seedDemoIfEmpty(prisma) }),
    };
  },
});
