import type { Caller } from "@spx/runtime/access";
import type { GraphClient } from "@spx/runtime/clients";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { createDirectAidApp, type DirectAidApp, MIGRATIONS_DIR, SUBGRAPH_NAME } from "../app.js";
import type { AidHouseholdFacts } from "../domain/household-facts.js";

export const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SYSTEM" };

export interface Harness extends TestSubgraph<DirectAidApp> {
  /** What the fake social register answers, by household id. */
  households: Map<string, AidHouseholdFacts>;
}

/**
 * A direct-aid subgraph on its own migrated test database, listening on a free port, whose graph
 * is a fake social register answering `households(ids:)` from `households`.
 */
export async function startDirectAid(label: string): Promise<Harness> {
  const households = new Map<string, AidHouseholdFacts>();
  const graph: GraphClient = {
    query: async <Data>(_document: string, variables?: Record<string, unknown>) => {
      const ids = (variables?.ids ?? []) as string[];
      return { households: ids.map((id) => households.get(id) ?? null) } as unknown as Data;
    },
  };
  const subgraph = await startTestSubgraph({
    label,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    defaultCaller: anss,
    create: (options) => createDirectAidApp({ ...options, graph }),
  });
  return { ...subgraph, households };
}
