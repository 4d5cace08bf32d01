import type { GraphClient } from "@spx/runtime/graph-client";
import type { AidHouseholdFacts } from "./domain/household-facts.js";

/** Households per request (the social register's limit); demand control budgets this grant for it. */
export const HOUSEHOLD_BATCH = 500;

export const ASD_HOUSEHOLD_CHECK = /* GraphQL */ `query AsdHouseholdCheck($ids: [ID!]!) {
  households(ids: $ids) {
    id regionCode
    eligibility { program eligible scoreUsed }
    members { relationship person { idcs birthDate sex lifeStatus } }
    declaration { members { idcs schooling occupation } }
  }
}`;

/**
 * The households' facts from the social and population registers, asked through the graph under
 * this programme's own identity, 500 households per request: a payment run over 10,000
 * households costs 20 requests, not 10,000.
 */
export async function householdFacts(
  graph: GraphClient,
  ids: readonly string[],
): Promise<Map<string, AidHouseholdFacts>> {
  const result = new Map<string, AidHouseholdFacts>();
  for (let i = 0; i < ids.length; i += HOUSEHOLD_BATCH) {
    const data = await graph.query<{ households: (AidHouseholdFacts | null)[] }>(ASD_HOUSEHOLD_CHECK, {
      ids: ids.slice(i, i + HOUSEHOLD_BATCH),
    });
    for (const household of data.households) {
      if (household) {
        result.set(household.id, household);
      }
    }
  }
  return result;
}
