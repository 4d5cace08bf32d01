import type { RequestContext } from "@spx/runtime/server";
import { createLoaders, type Loaders } from "./loaders.js";
import type { PopulationPrisma, Reads } from "./subgraph.js";

export interface Context extends RequestContext {
  prisma: PopulationPrisma;
  loaders: Loaders;
}

/** A new context, and new loaders, for every request: caches never outlive one request. */
export function createContext(prisma: PopulationPrisma, reads: Reads) {
  return (base: RequestContext): Context => ({ ...base, prisma, loaders: createLoaders(reads) });
}
