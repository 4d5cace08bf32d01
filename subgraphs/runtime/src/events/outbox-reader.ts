import type { SqlExecutor } from "../database/database.js";
import type { RegisterEvent } from "./register-event.js";

/** The most a feed page or a relay batch holds. */
export const MAX_EVENT_PAGE = 500;

interface OutboxRow {
  id: string;
  position: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
  occurred_at: Date | string;
}

// The table's columns by alias in ORDER BY: a bare `position` would sort the text output column.
const COLUMNS = "id::text AS id, position::text AS position, type, subject, data, occurred_at";

export function eventOf(source: string, row: OutboxRow): RegisterEvent {
  return {
    id: row.id,
    source,
    type: row.type,
    position: row.position,
    occurredAt: new Date(row.occurred_at).toISOString(),
    subject: row.subject,
    data: row.data,
  };
}

/**
 * The positioned events after `after`, in position order: what the event feed serves. Events not
 * yet positioned by the relay are not served, so a reader that resumes after the last position it
 * saw never skips one committed late.
 */
export async function eventsAfter(
  sql: SqlExecutor,
  source: string,
  after: string | null | undefined,
  first: number,
): Promise<RegisterEvent[]> {
  const rows = await sql.query<OutboxRow>(
    `SELECT ${COLUMNS} FROM outbox_event o WHERE o.position > $1::bigint ORDER BY o.position LIMIT $2`,
    [after ?? "0", Math.min(Math.max(first, 0), MAX_EVENT_PAGE)],
  );
  return rows.map((row) => eventOf(source, row));
}

/** Positioned events not yet published, in position order (the relay's list). */
export async function unpublishedEvents(sql: SqlExecutor, source: string, limit: number): Promise<RegisterEvent[]> {
  const rows = await sql.query<OutboxRow>(
    `SELECT ${COLUMNS} FROM outbox_event o
     WHERE o.published_at IS NULL AND o.position IS NOT NULL ORDER BY o.position LIMIT $1`,
    [limit],
  );
  return rows.map((row) => eventOf(source, row));
}
