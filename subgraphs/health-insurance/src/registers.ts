import type { GraphClient } from "@spx/runtime/clients";

/*
 * What this register asks of the others, through the graph under its own identity: the social
 * register's decision, household and declared enrolment and occupation; the population register's
 * civil status (marriages, filiation, kafala and custody, disability) for dependants.
 */

/** Registered in schema/trusted-documents/CNSS.json: sent by id, so the texts must not drift. */
export const AMO_TADAMON_CHECK = /* GraphQL */ `query AmoTadamonCheck($id: ID!) {
  household(id: $id) {
    id regionCode
    eligibility { program eligible scoreUsed modelVersion }
    members { relationship person { idcs birthDate lifeStatus } }
  }
}`;

export const AMO_PERSON_CHECK = /* GraphQL */ `query AmoPersonCheck($idcs: [ID!]!) {
  people(idcs: $idcs) { idcs birthDate lifeStatus address { regionCode } household { eligibility { program eligible } } }
}`;

/** A principal's family by civil status: spouses, children by filiation, wards. */
export const AMO_FAMILY = /* GraphQL */ `query AmoFamily($idcs: [ID!]!) {
  people(idcs: $idcs) {
    idcs
    marriages { spouse { idcs } since endedOn endReason }
    children { idcs }
    wards { kind child { idcs } since until }
  }
}`;

/** Each relative's own facts: alive, married, disabled, parents, custody, enrolment declared. */
export const AMO_RELATIVES = /* GraphQL */ `query AmoRelatives($idcs: [ID!]!) {
  people(idcs: $idcs) {
    idcs birthDate lifeStatus maritalStatus disabled
    mother { idcs } father { idcs }
    inCareOf { kind guardian { idcs } since until }
    household { id declaration { members { idcs occupation enrolment { level schoolYear } } } }
  }
}`;

/** The households of due notices: eligible again, or a revision pending. */
export const AMO_NOTICE_CHECK = /* GraphQL */ `query AmoNoticeCheck($ids: [ID!]!) {
  households(ids: $ids) { id pendingRevision eligibility { program eligible } }
}`;

export interface HouseholdForTadamon {
  id: string;
  regionCode: string;
  eligibility: { program: string; eligible: boolean; scoreUsed: string; modelVersion: string }[];
  members: { relationship: string; person: { idcs: string; birthDate: string; lifeStatus: string } }[];
}

export interface PersonFacts {
  idcs: string;
  birthDate: string;
  lifeStatus: "ALIVE" | "DECEASED";
  address: { regionCode: string };
  household: { eligibility: { program: string; eligible: boolean }[] } | null;
}

export interface Family {
  idcs: string;
  marriages:
    | { spouse: { idcs: string } | null; since: string; endedOn: string | null; endReason: string | null }[]
    | null;
  children: { idcs: string }[] | null;
  wards: { kind: string; child: { idcs: string } | null; since: string; until: string | null }[] | null;
}

export interface Guardianship {
  kind: string;
  guardian: { idcs: string } | null;
  since: string;
  until: string | null;
}

export interface Relative {
  idcs: string;
  birthDate: string;
  lifeStatus: "ALIVE" | "DECEASED";
  maritalStatus: string | null;
  disabled: boolean | null;
  mother: { idcs: string } | null;
  father: { idcs: string } | null;
  inCareOf: Guardianship[] | null;
  household: {
    id: string;
    declaration: {
      members: { idcs: string; occupation: string; enrolment: { level: string; schoolYear: string | null } | null }[];
    } | null;
  } | null;
}

export interface HouseholdNotice {
  id: string;
  pendingRevision: boolean | null;
  eligibility: { program: string; eligible: boolean }[];
}

export async function householdForTadamon(graph: GraphClient, id: string): Promise<HouseholdForTadamon | null> {
  const data = await graph.query<{ household: HouseholdForTadamon | null }>(AMO_TADAMON_CHECK, { id });
  return data.household;
}

/** Persons per request (the population register's limit). */
export const PERSON_BATCH = 1000;
/** Persons per request when each brings their family (lists per person). */
const FAMILY_BATCH = 100;

async function peopleBy<T extends { idcs: string }>(
  graph: GraphClient,
  document: string,
  idcs: readonly string[],
  batch: number,
): Promise<Map<string, T>> {
  const result = new Map<string, T>();
  const unique = [...new Set(idcs)];
  for (let i = 0; i < unique.length; i += batch) {
    const data = await graph.query<{ people: (T | null)[] }>(document, { idcs: unique.slice(i, i + batch) });
    for (const person of data.people) {
      if (person) {
        result.set(person.idcs, person);
      }
    }
  }
  return result;
}

/** Facts about many persons in one call (at most 1,000 per call). */
export function personFacts(graph: GraphClient, idcs: readonly string[]): Promise<Map<string, PersonFacts>> {
  return peopleBy<PersonFacts>(graph, AMO_PERSON_CHECK, idcs, PERSON_BATCH);
}

export function families(graph: GraphClient, idcs: readonly string[]): Promise<Map<string, Family>> {
  return peopleBy<Family>(graph, AMO_FAMILY, idcs, FAMILY_BATCH);
}

export function relatives(graph: GraphClient, idcs: readonly string[]): Promise<Map<string, Relative>> {
  return peopleBy<Relative>(graph, AMO_RELATIVES, idcs, FAMILY_BATCH);
}

/** The social register's word on the households of due notices (500 per call, its limit). */
export async function householdsForNotices(
  graph: GraphClient,
  ids: readonly string[],
): Promise<Map<string, HouseholdNotice>> {
  const result = new Map<string, HouseholdNotice>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const data = await graph.query<{ households: (HouseholdNotice | null)[] }>(AMO_NOTICE_CHECK, {
      ids: unique.slice(i, i + 500),
    });
    for (const household of data.households) {
      if (household) {
        result.set(household.id, household);
      }
    }
  }
  return result;
}
