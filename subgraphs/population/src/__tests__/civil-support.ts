import type { Caller } from "@spx/runtime/access";
import { ADULT } from "./adult.js";
import type { Harness } from "./harness.js";

/** Civil-status tests: persons registered through the graph, dates relative to today. */

const DAY_MS = 86_400_000;

export function today(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export const day = (d: Date) => d.toISOString().slice(0, 10);
export const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY_MS);
export const addYears = (d: Date, n: number) =>
  new Date(Date.UTC(d.getUTCFullYear() + n, d.getUTCMonth(), d.getUTCDate()));

export type ErrorBody = { errors?: { message: string; extensions?: Record<string, unknown> }[] };
export const codeOf = (body: ErrorBody) => body.errors?.[0]?.extensions?.code;

let counter = 0;

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPersonInput!) {
    registerPerson(input: $input) { person { idcs } }
  }
`;

/**
 * Registers a person born on `birthDate` (a minor with `representative`, defaulting to a fresh
 * adult), and returns their IDCS. Each has their own birth place, so none looks like a duplicate.
 */
export async function register(
  h: Harness,
  options: {
    sex: "MALE" | "FEMALE";
    birthDate: Date;
    representative?: string;
    motherIdcs?: string;
    fatherIdcs?: string;
    regionCode?: string;
  },
): Promise<string> {
  counter++;
  const minor = addYears(options.birthDate, 18).getTime() > today().getTime();
  const representative = minor ? (options.representative ?? (await adult(h, "FEMALE", 40))) : undefined;
  const region =
    options.regionCode === "04"
      ? { regionCode: options.regionCode, province: "Rabat", commune: "Agdal", milieu: "URBAN" }
      : ADULT.address;
  const { body } = await h.call<{ registerPerson: { person: { idcs: string } } }>(REGISTER, {
    input: {
      ...ADULT,
      firstName: options.sex === "MALE" ? "Youssef" : "Fatima",
      cin: minor ? null : `CV${100_000 + counter}`,
      sex: options.sex,
      birthDate: day(options.birthDate),
      birthPlace: `Place ${counter}`,
      address: region,
      legalRepresentativeIdcs: representative,
      motherIdcs: options.motherIdcs,
      fatherIdcs: options.fatherIdcs,
    },
  });
  const idcs = body.data?.registerPerson?.person.idcs;
  if (!idcs) {
    throw new Error(`registration failed: ${JSON.stringify(body)}`);
  }
  return idcs;
}

export const adult = (h: Harness, sex: "MALE" | "FEMALE", age: number) =>
  register(h, { sex, birthDate: addYears(today(), -age) });

export async function recordDeath(h: Harness, idcs: string, on: Date) {
  const { body } = await h.call(
    `mutation($i: ID!, $d: Date!) { recordDeath(idcs: $i, dateOfDeath: $d) { person { idcs } } }`,
    { i: idcs, d: day(on) },
  );
  return body as ErrorBody;
}

const MARRY = /* GraphQL */ `
  mutation($input: RecordMarriageInput!, $key: String) {
    recordMarriage(input: $input, idempotencyKey: $key) { marriageId }
  }
`;

export async function marry(h: Harness, husband: string, wife: string, since: Date, key?: string) {
  const { body } = await h.call<{ recordMarriage: { marriageId: string } }>(MARRY, {
    input: { husbandIdcs: husband, wifeIdcs: wife, since: day(since), sourceDocument: "Acte adoulaire 12/2020" },
    key,
  });
  return { id: body.data?.recordMarriage?.marriageId, body: body as ErrorBody };
}

export async function endMarriage(
  h: Harness,
  marriageId: string,
  endedOn: Date,
  reason: "DIVORCE" | "ANNULMENT" = "DIVORCE",
) {
  const { body } = await h.call(
    `mutation($m: ID!, $d: Date!, $r: MarriageDissolution!) {
       recordMarriageEnd(marriageId: $m, endedOn: $d, reason: $r, sourceDocument: "Jugement 45/2024") { marriageId }
     }`,
    { m: marriageId, d: day(endedOn), r: reason },
  );
  return body as ErrorBody;
}

export async function filiation(h: Harness, child: string, parents: { motherIdcs?: string; fatherIdcs?: string }) {
  const { body } = await h.call(
    `mutation($input: RecordFiliationInput!) { recordFiliation(input: $input) { person { idcs } } }`,
    { input: { childIdcs: child, ...parents, sourceDocument: "Acte de naissance 77/2010" } },
  );
  return body as ErrorBody;
}

export async function guardianship(
  h: Harness,
  kind: "LEGAL_GUARDIANSHIP" | "CUSTODY" | "KAFALA",
  child: string,
  guardian: string,
  since: Date,
) {
  const { body } = await h.call<{ recordGuardianship: { guardianship: { id: string } } }>(
    `mutation($input: RecordGuardianshipInput!) { recordGuardianship(input: $input) { guardianship { id } } }`,
    {
      input: { kind, childIdcs: child, guardianIdcs: guardian, since: day(since), sourceDocument: "Ordonnance 3/2025" },
    },
  );
  return { id: body.data?.recordGuardianship?.guardianship.id, body: body as ErrorBody };
}

export async function disability(
  h: Harness,
  idcs: string,
  certifiedOn: Date,
  reviewOn: Date | null,
  diagnosis = "Trisomie 21",
) {
  const { body } = await h.call(
    `mutation($input: RecordDisabilityInput!) { recordDisability(input: $input) { person { idcs } } }`,
    {
      input: {
        idcs,
        certifyingAuthority: "Commission médicale provinciale",
        certifiedOn: day(certifiedOn),
        reviewOn: reviewOn ? day(reviewOn) : null,
        permanentIncapacity: true,
        diagnosis,
        sourceDocument: "Carte handicap 2025-001",
      },
    },
  );
  return body as ErrorBody;
}

/** The outbox events about `subject` (or all), oldest first. */
export async function events(h: Harness, subject?: string) {
  return h.db.database.sql.query<{ type: string; subject: string; data: Record<string, unknown> }>(
    subject
      ? "SELECT type, subject, data FROM outbox_event WHERE subject = $1 ORDER BY occurred_at, type"
      : "SELECT type, subject, data FROM outbox_event ORDER BY occurred_at, type",
    subject ? [subject] : [],
  );
}

export async function count(h: Harness, table: string): Promise<number> {
  const [row] = await h.db.database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? -1;
}

export const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
export const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SERVICE" };
export const citizen = (idcs: string): Caller => ({ sub: `citizen:${idcs}`, role: "CITIZEN", idcs });
