import { createHash } from "node:crypto";

/** One request that served personal data: who, why, what, and about whom. Never the data itself. */
export interface AccessEntry {
  /** Unique per execution: a retried write of the same entry is recognised and not repeated. */
  id: string;
  at: Date;
  requestId: string;
  agency: string | null;
  role: string;
  /** The official or system that asked (the token's subject), never a name. */
  subject: string;
  /** A citizen's own IDCS, so that their own reads are not shown back to them as someone else's. */
  callerIdcs: string | null;
  purpose: string;
  /** As the client named it: a label, not proof of what ran (the served fields are). */
  operationName: string | null;
  /** SHA-256 of the document as received. */
  documentHash: string;
  /** The trusted document's id when the document is a registered one (sent by id or as its text). */
  documentId: string | null;
  /** Field coordinates (`Type.field`) that came back with a value. */
  served: string[];
  /** Field coordinates refused to the caller. */
  refused: string[];
  /** The kinds of data served, in words (e.g. "identity", "household index"). */
  kinds: string[];
  /** IDCS of every person whose data was served. */
  persons: string[];
}

export interface ChainedEntry extends AccessEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash the first entry follows. */
export const GENESIS_HASH = "0".repeat(64);

/** Every recorded field in the fixed order both the table's columns and the hash follow. */
export function recordedFields(entry: AccessEntry): unknown[] {
  return [
    entry.id,
    entry.at,
    entry.requestId,
    entry.agency,
    entry.role,
    entry.subject,
    entry.callerIdcs,
    entry.purpose,
    entry.operationName,
    entry.documentHash,
    entry.served,
    entry.refused,
    entry.kinds,
    entry.persons,
    // Entries from before trusted documents carry no id: their hash covers what it always did.
    ...(entry.documentId === null ? [] : [entry.documentId]),
  ];
}

/** The recorded fields as one JSON text: what the hash covers, rebuilt from the columns to verify. */
export function canonicalEntry(entry: AccessEntry): string {
  return JSON.stringify(recordedFields(entry));
}

/**
 * The entry's hash: SHA-256 over the previous hash, the entry's place and its recorded fields, so
 * that changing any of them, or the order of entries, shows. The database computes the same when
 * it appends (`access_log_append`); dates serialise as ISO-8601.
 */
export function entryHash(prevHash: string, seq: number, entry: AccessEntry): string {
  return createHash("sha256")
    .update(`${prevHash}\n${seq}\n${canonicalEntry(entry)}`, "utf8")
    .digest("hex");
}
