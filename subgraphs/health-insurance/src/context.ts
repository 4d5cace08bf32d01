import type { GraphClient } from "@spx/runtime/graph-client";
import type { RequestContext } from "@spx/runtime/subgraph-server";
import type { InsurancePrisma } from "./db.js";
import { createLoaders, type Loaders } from "./loaders.js";
import type { Reads } from "./reads.js";

export interface Context extends RequestContext {
  prisma: InsurancePrisma;
  loaders: Loaders;
  graph: GraphClient;
}

export function createContext(prisma: InsurancePrisma, reads: Reads, graph: GraphClient) {
  return (base: RequestContext): Context => ({ ...base, prisma, graph, loaders: createLoaders(prisma, reads) });
}
