import type { AccessEntry } from "./entry.js";

/** The recorded fields' columns, in the order of `access_log` and `access_log_incoming`. */
export const ENTRY_COLUMNS =
  "id, at, request_id, agency, role, subject, caller_idcs, purpose, operation_name, document_hash, document_id, served, refused, kinds, persons";

/** The same columns of the table aliased as given (`a.id, a.at, …`). */
export const aliasedColumns = (alias: string): string =>
  ENTRY_COLUMNS.split(", ")
    .map((column) => `${alias}.${column}`)
    .join(", ");

/** A row's recorded fields as PostgreSQL answers them. */
export interface EntryColumns {
  id: string;
  at: Date | string;
  request_id: string;
  agency: string | null;
  role: string;
  subject: string;
  caller_idcs: string | null;
  purpose: string;
  operation_name: string | null;
  document_hash: string;
  document_id: string | null;
  served: string[];
  refused: string[];
  kinds: string[];
  persons: string[];
}

/**
 * The entry a row records: what the writer, the sequencer and audit:verify all rebuild a leaf
 * from, so that they read a row the one same way.
 */
export function entryOf(row: EntryColumns): AccessEntry {
  return {
    id: row.id,
    at: new Date(row.at),
    requestId: row.request_id,
    agency: row.agency,
    role: row.role,
    subject: row.subject,
    callerIdcs: row.caller_idcs,
    purpose: row.purpose,
    operationName: row.operation_name,
    documentHash: row.document_hash,
    documentId: row.document_id,
    served: row.served,
    refused: row.refused,
    kinds: row.kinds,
    persons: row.persons,
  };
}
