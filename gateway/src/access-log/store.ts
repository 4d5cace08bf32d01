import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "@spx/runtime/database";
import { type AccessEntry, type ChainedEntry, canonicalEntry, entryHash, GENESIS_HASH } from "./entry.js";

export type { ChainedEntry };

export const ACCESS_LOG_MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

const COLUMNS =
  "seq, id, at, request_id, agency, role, subject, caller_idcs, purpose, operation_name, document_hash, document_id, served, refused, kinds, persons, prev_hash, hash";

interface Row {
  seq: string | number;
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
  prev_hash: string;
  hash: string;
}

function fromRow(row: Row): ChainedEntry {
  return {
    seq: Number(row.seq),
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
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface Page<T> {
  entries: T[];
  /** Pass as `after` for the next page; null when there is none. */
  endCursor: string | null;
}

export interface AuditQuery {
  agency?: string | undefined;
  purpose?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  first: number;
  after?: number | undefined;
}

export interface ChainCheck {
  entries: number;
  /** The first entry that does not follow from the one before it, and why. */
  broken?: { seq: number; id: string; reason: string };
}

/** The access log's table: appends a batch to the chain, reads pages, walks the chain. */
export class AccessLogStore {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * Appends entries at the head of the chain, in one statement and one transaction (the database's
   * `access_log_append` takes the chain's lock, so gateway replicas append one at a time). Entries
   * already written (a retry after a commit whose answer was lost) are skipped: nothing is logged
   * twice. Returns how many were appended.
   */
  async append(entries: readonly AccessEntry[]): Promise<number> {
    if (entries.length === 0) {
      return 0;
    }
    const batch = entries.map((entry) => ({ ...entry, canonical: canonicalEntry(entry) }));
    const [row] = await this.sql.query<{ appended: number }>("SELECT access_log_append($1::jsonb) AS appended", [
      JSON.stringify(batch),
    ]);
    return row?.appended ?? 0;
  }

  /** Who read a person's data, newest first, leaving out the person's own reads. */
  async forPerson(idcs: string, first: number, after?: number): Promise<Page<ChainedEntry>> {
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM access_log
        WHERE persons @> ARRAY[$1]::text[] AND caller_idcs IS DISTINCT FROM $1
          AND ($2::bigint IS NULL OR seq < $2)
        ORDER BY seq DESC LIMIT $3`,
      [idcs, after ?? null, first + 1],
    );
    return page(rows, first);
  }

  /** For auditors: entries by agency, purpose and period, newest first. */
  async search(query: AuditQuery): Promise<Page<ChainedEntry>> {
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM access_log
        WHERE ($1::text IS NULL OR agency = $1) AND ($2::text IS NULL OR purpose = $2)
          AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
          AND ($5::bigint IS NULL OR seq < $5)
        ORDER BY seq DESC LIMIT $6`,
      [
        query.agency ?? null,
        query.purpose ?? null,
        query.from ?? null,
        query.to ?? null,
        query.after ?? null,
        query.first + 1,
      ],
    );
    return page(rows, query.first);
  }

  /** Walks the whole chain from the first entry and stops at the first that does not follow. */
  async verify(onProgress?: (checked: number) => void): Promise<ChainCheck> {
    const batch = 5000;
    let prevHash = GENESIS_HASH;
    let expected = 1;
    let checked = 0;
    for (;;) {
      const rows = await this.sql.query<Row>(
        `SELECT ${COLUMNS} FROM access_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [expected, batch],
      );
      for (const row of rows) {
        const entry = fromRow(row);
        const broken = (reason: string): ChainCheck => ({
          entries: checked,
          broken: { seq: entry.seq, id: entry.id, reason },
        });
        if (entry.seq !== expected) {
          return broken(`entries ${expected} to ${entry.seq - 1} are missing`);
        }
        if (entry.prevHash !== prevHash) {
          return broken("does not follow the entry before it (previous hash differs)");
        }
        if (entryHash(prevHash, entry.seq, entry) !== entry.hash) {
          return broken("its content was changed after it was written (hash differs)");
        }
        prevHash = entry.hash;
        expected += 1;
        checked += 1;
      }
      onProgress?.(checked);
      if (rows.length < batch) {
        return { entries: checked };
      }
    }
  }
}

function page(rows: Row[], first: number): Page<ChainedEntry> {
  const entries = rows.slice(0, first).map(fromRow);
  const last = entries.at(-1);
  return { entries, endCursor: rows.length > first && last ? String(last.seq) : null };
}
