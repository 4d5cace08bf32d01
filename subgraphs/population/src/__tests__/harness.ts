import type { Caller } from "@spx/runtime/access";
import type { AppOf } from "@spx/runtime/subgraph";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { population } from "../subgraph.js";

export const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
export const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };

export type Harness = TestSubgraph<AppOf<typeof population>>;

/** A population subgraph on its own migrated test database, listening on a free port. */
export function startPopulation(label: string): Promise<Harness> {
  return startTestSubgraph(population, { label, defaultCaller: registrar, options: {} });
}
