import type { Caller } from "@spx/runtime/access";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { createPopulationApp, MIGRATIONS_DIR, type PopulationApp, SUBGRAPH_NAME } from "../app.js";

export const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
export const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };

export type Harness = TestSubgraph<PopulationApp>;

/** A population subgraph on its own migrated test database, listening on a free port. */
export function startPopulation(label: string): Promise<Harness> {
  return startTestSubgraph({
    label,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    defaultCaller: registrar,
    create: createPopulationApp,
  });
}
