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
 * is a fake social and population register answering `households(ids:)` from `households`, and
 * `people(idcs:)` (civil facts; the household of a person) from their members.
 */
export async function startDirectAid(label: string): Promise<Harness> {
  const households = new Map<string, AidHouseholdFacts>();
  const graph: GraphClient = {
    query: async <Data>(document: string, variables?: Record<string, unknown>) => {
      if (document.includes("people(")) {
        const idcs = (variables?.idcs ?? []) as string[];
        const people = idcs.map((wanted) => {
          for (const household of households.values()) {
            const member = household.members.find((m) => m.person.idcs === wanted);
            if (member) {
              return { ...member.person, household: { id: household.id } };
            }
          }
          return null;
        });
        return { people } as unknown as Data;
      }
      const ids = (variables?.ids ?? []) as string[];
      // A copy, as the graph would answer: the register merges civil facts into what it gets.
      return {
        households: ids.map((id) => {
          const h = households.get(id);
          return h ? (JSON.parse(JSON.stringify(h)) as AidHouseholdFacts) : null;
        }),
      } as unknown as Data;
    },
  };
  const subgraph = await startTestSubgraph(directAid, { label, defaultCaller: anss, options: { graph } });
  return { ...subgraph, households };
}
