import type { Caller } from "@spx/runtime/access";
import type { GraphClient } from "@spx/runtime/clients";
import type { AppOf } from "@spx/runtime/subgraph";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import type { AidHouseholdFacts } from "../domain/household-facts.js";
import { directAid } from "../subgraph.js";

export const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SYSTEM" };

export interface Harness extends TestSubgraph<AppOf<typeof directAid>> {
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
  const subgraph = await startTestSubgraph(directAid, { label, defaultCaller: anss, options: { graph } });
  return { ...subgraph, households };
}
