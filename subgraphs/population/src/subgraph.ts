import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import {
  type CivilStatusRecord,
  type Disability,
  type Filiation,
  type Guardianship,
  type Marriage,
  type Person,
  Prisma,
  PrismaClient,
} from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { schema } from "./schema/index.js";
import { POPULATION_STATISTICS } from "./schema/statistics.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type PopulationPrisma = PrismaClient;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: PopulationPrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    person: reads<Person>("Person", prisma.person),
    marriage: reads<Marriage>("Marriage", prisma.marriage),
    filiation: reads<Filiation>("Filiation", prisma.filiation),
    disability: reads<Disability>("Disability", prisma.disability),
    guardianship: reads<Guardianship>("Guardianship", prisma.guardianship),
    civilStatusRecord: reads<CivilStatusRecord>("CivilStatusRecord", prisma.civilStatusRecord),
  }));
export type Reads = ReturnType<typeof createReads>;

/** The National Population Register (RNP): every resident, by IDCS. */
export const population = defineSubgraph({
  name: "population",
  defaultPort: 4001,
  module: import.meta.url,
  schema,
  async setup({ database }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    return {
      prisma,
      context: createContext(prisma, createReads(prisma, database)),
      seed: async () => ({ persons: await seedDemoIfEmpty(prisma) }),
      statistics: [POPULATION_STATISTICS],
      events: { produces: true },
    };
  },
});
