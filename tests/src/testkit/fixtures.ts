import { randomUUID } from "node:crypto";
import type { AccessEntry } from "@spx/gateway/access-log/entry";
import type { RunningSystem } from "./start-system.js";

/** What the builders need of a system: its gateway, asked with a token. */
export type GraphQuery = Pick<RunningSystem, "query">;

/*
 * Builders for test data that goes through the graph like real traffic: persons registered in the
 * population register, households in the social register, declarations scored by the model.
 */

let cinCounter = 600_000 + Math.floor(Math.random() * 100_000);

/** A family name no other test person has, so that registrations never look like duplicates. */
function uniqueLastName(): string {
  let n = cinCounter;
  let letters = "";
  do {
    letters = String.fromCharCode(97 + (n % 26)) + letters;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `Tahiri ${letters[0]?.toUpperCase()}${letters.slice(1)}`;
}

export const SAFI = { regionCode: "07", province: "Safi", commune: "Safi", milieu: "URBAN" } as const;

export async function registerPerson(
  system: GraphQuery,
  token: string,
  person: {
    firstName: string;
    birthDate: string;
    sex?: "MALE" | "FEMALE";
    representative?: string;
    /** Filiation recorded with the birth (the programmes read children from it). */
    mother?: string;
    father?: string;
  },
): Promise<string> {
  const adult = Number(person.birthDate.slice(0, 4)) <= new Date().getUTCFullYear() - 18;
  const representative =
    adult || person.representative
      ? person.representative
      : await registerPerson(system, token, { firstName: `${person.firstName}Parent`, birthDate: "1980-01-01" });
  // As a registration centre would: a key of its own, and one retry with it when the answer was
  // lost (a register slow to answer on a loaded machine); the key makes the retry safe.
  const idempotencyKey = randomUUID();
  const register = () =>
    system.query<{ registerPerson: { person: { idcs: string } } }>(
      token,
      `mutation($input: RegisterPersonInput!, $key: String) { registerPerson(input: $input, idempotencyKey: $key) { person { idcs } } }`,
      { input, key: idempotencyKey },
    );
  const input = {
    cin: adult ? `ZT${cinCounter++}` : null,
    firstName: person.firstName,
    lastName: uniqueLastName(),
    firstNameAr: "سعاد",
    lastNameAr: "الطاهري",
    sex: person.sex ?? "FEMALE",
    birthDate: person.birthDate,
    birthPlace: "Safi",
    nationality: "MAR",
    residencyStatus: "CITIZEN",
    address: SAFI,
    registrationCentre: "CSC Safi",
    legalRepresentativeIdcs: adult ? null : representative,
    ...(person.mother ? { motherIdcs: person.mother } : {}),
    ...(person.father ? { fatherIdcs: person.father } : {}),
  };
  let { body } = await register();
  if (body.errors?.[0]?.extensions?.outcome === "UNKNOWN") {
    ({ body } = await register());
  }
  const idcs = body.data?.registerPerson?.person.idcs;
  if (!idcs) {
    throw new Error(`registerPerson failed: ${JSON.stringify(body.errors)}`);
  }
  return idcs;
}

export async function registerHousehold(
  system: GraphQuery,
  token: string,
  headIdcs: string,
  members: { idcs: string; relationship: string }[],
): Promise<string> {
  // One retry with the same key when the answer was lost, as for a person (above).
  const key = randomUUID();
  const register = () =>
    system.query<{ registerHousehold: { household: { id: string } } }>(
      token,
      `mutation($input: RegisterHouseholdInput!, $key: String) { registerHousehold(input: $input, idempotencyKey: $key) { household { id } } }`,
      { input: { headIdcs, members, address: SAFI }, key },
    );
  let { body } = await register();
  if (body.errors?.[0]?.extensions?.outcome === "UNKNOWN") {
    ({ body } = await register());
  }
  const id = body.data?.registerHousehold?.household.id;
  if (!id) {
    throw new Error(`registerHousehold failed: ${JSON.stringify(body.errors)}`);
  }
  return id;
}

/** Living conditions of a poor or a comfortable household, for the members given (head first). */
export function livingConditions(
  level: "POOR" | "COMFORTABLE",
  members: { idcs: string; schooling?: string; occupation?: string }[],
): Record<string, unknown> {
  const poor = level === "POOR";
  return {
    housingType: poor ? "SHANTY" : "MODERN_APARTMENT",
    rooms: poor ? 1 : 6,
    occupancy: poor ? "TENANT" : "OWNER",
    waterConnected: true,
    electricityConnected: true,
    electricitySpending: poor ? "40.00" : "900.00",
    waterSpending: poor ? "20.00" : "300.00",
    telephoneSpending: poor ? "20.00" : "600.00",
    gasSpending: poor ? "40.00" : "100.00",
    durableGoods: poor ? ["TELEVISION"] : ["CAR", "COMPUTER", "AIR_CONDITIONING", "REFRIGERATOR", "WASHING_MACHINE"],
    members: members.map((m, i) => ({
      idcs: m.idcs,
      schooling: m.schooling ?? (poor ? "NONE" : "HIGHER"),
      occupation: m.occupation ?? (i === 0 ? (poor ? "UNEMPLOYED" : "PUBLIC_EMPLOYEE") : "CHILD"),
    })),
  };
}

export async function declare(system: GraphQuery, token: string, householdId: string, input: Record<string, unknown>) {
  // One retry with the same key when the answer was lost, as for a person (above).
  const key = randomUUID();
  const submit = () =>
    system.query<{
      declareLivingConditions: { household: { socioEconomicIndex: { score: string } } };
    }>(
      token,
      `mutation($id: ID!, $input: LivingConditionsInput!, $key: String) {
        declareLivingConditions(householdId: $id, input: $input, idempotencyKey: $key) { household { socioEconomicIndex { score } } }
      }`,
      { id: householdId, input, key },
    );
  let { body } = await submit();
  if (body.errors?.[0]?.extensions?.outcome === "UNKNOWN") {
    ({ body } = await submit());
  }
  const score = body.data?.declareLivingConditions?.household.socioEconomicIndex.score;
  if (!score) {
    throw new Error(`declareLivingConditions failed: ${JSON.stringify(body.errors)}`);
  }
  return score;
}

export interface ProgrammeSubject {
  /** The head of the household, principal of its AMO-Tadamon affiliation. */
  idcs: string;
  region: string;
  householdId: string;
  affiliationId: string;
}

/** From the demo data: a household enrolled in both AMO-Tadamon and direct aid, and its head. */
export async function programmeSubject(system: RunningSystem): Promise<ProgrammeSubject> {
  const enrolled = new Set(
    (await system.directAidDb.database.sql.query<{ household_id: string }>("SELECT household_id FROM enrolment")).map(
      (r) => r.household_id,
    ),
  );
  const tadamon = await system.healthInsuranceDb.database.sql.query<{
    id: string;
    household_id: string;
    principal_idcs: string;
    region_code: string;
  }>(
    "SELECT id, household_id, principal_idcs, region_code FROM affiliation WHERE regime = 'AMO_TADAMON' ORDER BY household_id",
  );
  const both = tadamon.find((a) => enrolled.has(a.household_id));
  if (!both) {
    throw new Error("the demo data has no household in both AMO-Tadamon and direct aid");
  }
  return {
    idcs: both.principal_idcs,
    region: both.region_code,
    householdId: both.household_id,
    affiliationId: both.id,
  };
}

/** "What does this person receive, from which programme, and why?" in one query. */
export const PERSON_360 = /* GraphQL */ `
  query Person360($idcs: ID!) {
    person(idcs: $idcs) {
      idcs firstName lastName nationality residencyStatus address { regionCode }
      healthCoverage { regime role payer status }
      household {
        id
        members { relationship person { idcs firstName } }
        socioEconomicIndex { score modelVersion }
        eligibility { program eligible threshold }
        eligibilityExplanation(program: DIRECT_AID) { summary }
        directAid { status monthlyEntitlement { amount currency components { reason amount } } payments(last: 3) { month amount status } }
      }
    }
  }
`;

/** PERSON_360's answer, as far as the tests read it. */
export interface Person360 {
  person: {
    idcs: string;
    firstName: string;
    residencyStatus: string;
    address: { regionCode: string };
    healthCoverage: { regime: string; role: string; payer: string; status: string } | null;
    household: {
      id: string;
      members: { relationship: string; person: { idcs: string } }[];
      socioEconomicIndex: { score: string } | null;
      eligibility: { program: string; eligible: boolean }[];
      eligibilityExplanation: { summary: string } | null;
      directAid: { status: string; monthlyEntitlement: { amount: string }; payments: { status: string }[] } | null;
    } | null;
  } | null;
}

/** An access-log entry as the gateway would write it for one identity field; tests override what they test. */
export function accessEntry(overrides: Partial<AccessEntry> = {}): AccessEntry {
  return {
    id: randomUUID(),
    at: new Date(),
    requestId: `request-${randomUUID()}`,
    agency: "ANR",
    role: "SYSTEM",
    subject: "test",
    callerIdcs: null,
    purpose: "REGISTRATION",
    operationName: null,
    documentHash: "0".repeat(64),
    documentId: null,
    served: ["Person.idcs"],
    refused: [],
    kinds: ["identity"],
    persons: [],
    ...overrides,
  };
}
