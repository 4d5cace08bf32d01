import type { RequestContext } from "@spx/runtime/server";
import DataLoader from "dataloader";
import type { Person } from "../generated/prisma/index.js";
import type { PopulationPrisma, Reads } from "./subgraph.js";

export interface Loaders {
  /** Persons by IDCS; one `findMany … IN` per tick, however many references arrive. */
  person: DataLoader<string, Person | null>;
}

export interface Context extends RequestContext {
  prisma: PopulationPrisma;
  loaders: Loaders;
}

function createLoaders(reads: Reads): Loaders {
  return {
    person: new DataLoader(async (idcsList) => {
      const rows = await reads.person.find({ key: "idcs", keys: idcsList });
      const byIdcs = new Map(rows.map((row) => [row.idcs, row]));
      return idcsList.map((idcs) => byIdcs.get(idcs) ?? null);
    }),
  };
}

/** A new context, and new loaders, for every request: caches never outlive one request. */
export function createContext(prisma: PopulationPrisma, reads: Reads) {
  return (base: RequestContext): Context => ({ ...base, prisma, loaders: createLoaders(reads) });
}
