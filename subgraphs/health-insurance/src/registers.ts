import type { GraphClient } from "@spx/runtime/clients";

/*
 * What this register asks of the others, through the graph under its own identity: the social
 * register's decision and household for AMO-Tadamon, and the population register's facts for
 * dependants' ages and deaths.
 */

/** Registered in schema/trusted-documents/CNSS.json: sent by id, so the texts must not drift. */
export const AMO_TADAMON_CHECK = /* GraphQL */ `query AmoTadamonCheck($id: ID!) {
  household(id: $id) {
    id regionCode
    eligibility { program eligible scoreUsed modelVersion }
    members { relationship person { idcs birthDate lifeStatus } }
    declaration { members { idcs schooling } }
  }
}`;

export const AMO_PERSON_CHECK = /* GraphQL */ `query AmoPersonCheck($idcs: [ID!]!) {
  people(idcs: $idcs) { idcs birthDate lifeStatus address { regionCode } household { eligibility { program eligible } } }
}`;

export interface HouseholdForTadamon {
  id: string;
  regionCode: string;
  eligibility: { program: string; eligible: boolean; scoreUsed: string; modelVersion: string }[];
  members: { relationship: string; person: { idcs: string; birthDate: string; lifeStatus: string } }[];
  declaration: { members: { idcs: string; schooling: string }[] } | null;
}

export interface PersonFacts {
  idcs: string;
  birthDate: string;
  lifeStatus: "ALIVE" | "DECEASED";
  address: { regionCode: string };
  household: { eligibility: { program: string; eligible: boolean }[] } | null;
}

export async function householdForTadamon(graph: GraphClient, id: string): Promise<HouseholdForTadamon | null> {
  const data = await graph.query<{ household: HouseholdForTadamon | null }>(AMO_TADAMON_CHECK, { id });
  return data.household;
}

/** Persons per request (the population register's limit). */
export const PERSON_BATCH = 1000;

/** Facts about many persons in one call (at most 1,000 per call). */
export async function personFacts(graph: GraphClient, idcs: readonly string[]): Promise<Map<string, PersonFacts>> {
  const result = new Map<string, PersonFacts>();
  const unique = [...new Set(idcs)];
  for (let i = 0; i < unique.length; i += PERSON_BATCH) {
    const data = await graph.query<{ people: (PersonFacts | null)[] }>(AMO_PERSON_CHECK, {
      idcs: unique.slice(i, i + PERSON_BATCH),
    });
    for (const person of data.people) {
      if (person) {
        result.set(person.idcs, person);
      }
    }
  }
  return result;
}
