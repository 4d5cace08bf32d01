import type { GraphClient } from "@spx/runtime/clients";
import type { AidHouseholdFacts, AidPerson } from "./domain/household-facts.js";

/**
 * Households per request. The social register takes 500, but each household is costed 125 (its 30
 * assumed members as members and as declared, with their enrolment), so 160 keeps this grant's
 * budget (25,000) with room to spare, under the cost of a person → household → members chain
 * three levels deep, which every grant refuses.
 */
export const HOUSEHOLD_BATCH = 160;

/** Registered in schema/trusted-documents/ANSS.json: sent by id, so the text must not drift. */
export const ASD_HOUSEHOLD_CHECK = /* GraphQL */ `query AsdHouseholdCheck($ids: [ID!]!) {
  households(ids: $ids) {
    id regionCode pendingRevision
    eligibility { program eligible scoreUsed }
    members { relationship person { idcs birthDate sex lifeStatus } }
    declaration { members { idcs occupation enrolment { level schoolYear } } }
  }
}`;

/**
 * Persons per request for their civil facts. Each is costed 19 (its mother, father, four
 * marriages and four guardianships assumed, each with a person): 1,000 keeps this grant's budget
 * (25,000). Asked apart from the households: inside them, 30 members assumed each, the same facts
 * would cost 635 a household.
 */
export const PERSON_BATCH = 1000;

/**
 * Registered in schema/trusted-documents/ANSS.json: the civil facts the rules read, as yes/no
 * where the grant says so (fatherless, disabled: never the diagnosis).
 */
export const ASD_PERSON_FACTS = /* GraphQL */ `query AsdPersonFacts($idcs: [ID!]!) {
  people(idcs: $idcs) {
    idcs dateOfDeath fatherless disabled birthRank mother { idcs } father { idcs }
    maritalStatus marriages { spouse { idcs } since endedOn }
    inCareOf { kind guardian { idcs } since until }
  }
}`;

type CivilFacts = Omit<AidPerson, "birthDate" | "sex" | "lifeStatus">;

/**
 * The households' facts from the social and population registers, asked through the graph under
 * this programme's own identity, 160 households per request, then their members' civil facts
 * 1,000 persons per request: a payment run over 10,000 households costs about 110 requests, not
 * 10,000.
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
  const persons = [...new Set([...result.values()].flatMap((h) => h.members.map((m) => m.person.idcs)))];
  const civil = new Map<string, CivilFacts>();
  for (let i = 0; i < persons.length; i += PERSON_BATCH) {
    const data = await graph.query<{ people: (CivilFacts | null)[] }>(ASD_PERSON_FACTS, {
      idcs: persons.slice(i, i + PERSON_BATCH),
    });
    for (const person of data.people) {
      if (person) {
        civil.set(person.idcs, person);
      }
    }
  }
  for (const household of result.values()) {
    for (const member of household.members) {
      Object.assign(member.person, civil.get(member.person.idcs) ?? {});
    }
  }
  return result;
}

/**
 * Registered in schema/trusted-documents/ANSS.json: the households persons and their children
 * belong to now (a father's death makes his children fatherless wherever they live).
 */
export const ASD_PERSONS_HOUSEHOLDS = /* GraphQL */ `query AsdPersonsHouseholds($idcs: [ID!]!) {
  people(idcs: $idcs) { idcs household { id } children { household { id } } }
}`;

/** The households the persons and their children belong to now (unknown persons left out). */
export async function householdsOfPersons(graph: GraphClient, idcs: readonly string[]): Promise<string[]> {
  if (idcs.length === 0) {
    return [];
  }
  type Found = { household: { id: string } | null };
  const data = await graph.query<{ people: ((Found & { children: Found[] | null }) | null)[] }>(
    ASD_PERSONS_HOUSEHOLDS,
    { idcs: [...new Set(idcs)] },
  );
  const found = data.people.flatMap((p) => (p ? [p, ...(p.children ?? [])] : []));
  return [...new Set(found.flatMap((p) => (p.household ? [p.household.id] : [])))];
}
