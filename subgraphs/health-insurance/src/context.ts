import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import { createLoaders, type Loaders } from "./loaders.js";
import type { InsurancePrisma, Reads } from "./subgraph.js";

export interface Context extends RequestContext {
  prisma: InsurancePrisma;
  loaders: Loaders;
  graph: GraphClient;
}

export function createContext(prisma: InsurancePrisma, reads: Reads, graph: GraphClient) {
  return (base: RequestContext): Context => ({ ...base, prisma, graph, loaders: createLoaders(prisma, reads) });
}
