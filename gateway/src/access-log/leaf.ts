import { createHash, createHmac } from "node:crypto";
import type { AccessEntry } from "./entry.js";

/*
 * What the tree commits to for each entry. A leaf says who (agency and role), when, why and what
 * was served, but names nobody: each person read is a commitment only that person can open (with
 * the salt derived for them from the entry's secret salt), and the request's details (request id,
 * the official's subject, a citizen caller's IDCS, the operation's name) are one commitment an
 * auditor opens with the entry's salt. So a citizen verifies their entry offline without learning
 * who else the same request read, nor which official it was.
 */

export const LEAF_FORMAT = "spx.access-log.leaf/v1";
const PERSON_FORMAT = "spx.access-log.person/v1\n";
const SALT_BYTES = 32;

const HEX_64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkSalt(salt: Uint8Array): void {
  if (salt.length !== SALT_BYTES) {
    throw new Error(`an access-log salt is ${SALT_BYTES} bytes, not ${salt.length}`);
  }
}

/** The salt of one person of an entry: HMAC-SHA256(salt, "person\n" ‖ idcs). */
export function personSalt(salt: Uint8Array, idcs: string): Uint8Array {
  checkSalt(salt);
  return new Uint8Array(createHmac("sha256", salt).update(`person\n${idcs}`, "utf8").digest());
}

/** hex SHA-256("spx.access-log.person/v1\n" ‖ personSalt ‖ idcs): opened by whoever holds the person's salt. */
export function personCommitment(personSalt: Uint8Array, idcs: string): string {
  if (personSalt.length !== SALT_BYTES) {
    throw new Error(`a person's salt is ${SALT_BYTES} bytes, not ${personSalt.length}`);
  }
  return createHash("sha256").update(PERSON_FORMAT, "utf8").update(personSalt).update(idcs, "utf8").digest("hex");
}

/** hex HMAC-SHA256(salt, JSON [requestId, subject, callerIdcs, operationName]). */
export function detailsCommitment(entry: AccessEntry, salt: Uint8Array): string {
  checkSalt(salt);
  return createHmac("sha256", salt)
    .update(JSON.stringify([entry.requestId, entry.subject, entry.callerIdcs, entry.operationName]), "utf8")
    .digest("hex");
}

/** The persons' commitments, sorted (their order in the entry says nothing either). */
export function personCommitments(entry: Pick<AccessEntry, "persons">, salt: Uint8Array): string[] {
  return [...new Set(entry.persons)].map((idcs) => personCommitment(personSalt(salt, idcs), idcs)).sort();
}

/**
 * UTF-8 JSON array: [LEAF_FORMAT, id, at (ISO-8601 ms), agency, role, purpose, documentHash,
 * documentId, served, refused, kinds, personCommitments (sorted lowercase hex), detailsCommitment].
 */
export function leafData(entry: AccessEntry, salt: Uint8Array): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([
      LEAF_FORMAT,
      entry.id,
      entry.at.toISOString(),
      entry.agency,
      entry.role,
      entry.purpose,
      entry.documentHash,
      entry.documentId,
      entry.served,
      entry.refused,
      entry.kinds,
      personCommitments(entry, salt),
      detailsCommitment(entry, salt),
    ]),
  );
}

export interface OpenedLeaf {
  id: string;
  at: string;
  agency: string | null;
  role: string;
  purpose: string;
  documentHash: string;
  documentId: string | null;
  served: string[];
  refused: string[];
  kinds: string[];
  personCommitments: string[];
  detailsCommitment: string;
}

class MalformedLeaf extends Error {
  constructor(reason: string) {
    super(`not an access-log leaf (${LEAF_FORMAT}): ${reason}`);
    this.name = "MalformedLeaf";
  }
}

const isString = (value: unknown): value is string => typeof value === "string";
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

/** Reads a leaf back; throws on anything malformed (wrong format, shape, types or encodings). */
export function parseLeaf(data: Uint8Array): OpenedLeaf {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    throw new MalformedLeaf("not UTF-8 JSON");
  }
  if (!Array.isArray(parsed) || parsed.length !== 13) {
    throw new MalformedLeaf("not an array of 13 members");
  }
  const [format, id, at, agency, role, purpose, documentHash, documentId, served, refused, kinds, persons, details] =
    parsed as unknown[];
  if (format !== LEAF_FORMAT) {
    throw new MalformedLeaf(`format ${JSON.stringify(format)}`);
  }
  if (!isString(id) || !isString(at) || !ISO_MS.test(at) || Number.isNaN(Date.parse(at))) {
    throw new MalformedLeaf("id or time");
  }
  if (!(agency === null || isString(agency)) || !isString(role) || !isString(purpose) || !isString(documentHash)) {
    throw new MalformedLeaf("agency, role, purpose or document hash");
  }
  if (!(documentId === null || isString(documentId))) {
    throw new MalformedLeaf("document id");
  }
  if (!isStringList(served) || !isStringList(refused) || !isStringList(kinds)) {
    throw new MalformedLeaf("served, refused or kinds");
  }
  if (!isStringList(persons) || !persons.every((c) => HEX_64.test(c))) {
    throw new MalformedLeaf("person commitments");
  }
  if (persons.some((c, i) => i > 0 && (persons[i - 1] as string) >= c)) {
    throw new MalformedLeaf("person commitments not sorted");
  }
  if (!isString(details) || !HEX_64.test(details)) {
    throw new MalformedLeaf("details commitment");
  }
  return {
    id,
    at,
    agency,
    role,
    purpose,
    documentHash,
    documentId,
    served,
    refused,
    kinds,
    personCommitments: persons,
    detailsCommitment: details,
  };
}
