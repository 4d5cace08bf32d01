import type { GraphClient } from "@spx/runtime/clients";
import type { AidHouseholdFacts } from "./domain/household-facts.js";

/**
 * Households per request. The social register takes 500, but each household is costed at its 30
 * members (twice: as members and as declared), so 250 keeps this grant's budget (25,000) under
 * the cost of a person → household → members chain three levels deep, which every grant refuses.
 */
export const HOUSEHOLD_BATCH = 250;

/** Registered in schema/trusted-documents/ANSS.json: sent by id, so the text must not drift. */
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
 * this programme's own identity, 250 households per request: a payment run over 10,000
 * households costs 40 requests, not 10,000.
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
