import { ValidationError } from "../errors/errors.js";
import { MAX_EVENT_PAGE } from "./outbox-reader.js";
import type { RawSql } from "./register-event.js";

/** One row of a producer's event feed, as its GraphQL type serves it (`data` as JSON text). */
export interface EventFeedRow {
  id: string;
  position: string;
  type: string;
  occurredAt: Date;
  subject: string;
  data: string;
  /** The parsed data, for the access trail (the persons it names). */
  parsed: Record<string, unknown>;
}

export const DEFAULT_FEED_PAGE = 100;
const POSITION = /^\d{1,18}$/;

/**
 * A page of the register's positioned events after `after` (a position the feed served), for the
 * transport without NATS. Unpositioned events are never served: the relay positions events in
 * the order their commits became visible, so a reader resuming after its last position skips
 * none. `first` is 1 to 500; anything else is BAD_USER_INPUT, not a short page.
 */
export async function readEventFeed(
  sql: Pick<RawSql, "$queryRawUnsafe">,
  args: { after?: string | null | undefined; first?: number | null | undefined },
): Promise<EventFeedRow[]> {
  const first = args.first ?? DEFAULT_FEED_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_EVENT_PAGE) {
    throw new ValidationError([{ field: "first", message: `between 1 and ${MAX_EVENT_PAGE}` }]);
  }
  const after = args.after ?? "0";
  if (!POSITION.test(after)) {
    throw new ValidationError([{ field: "after", message: "a position this feed served" }]);
  }
  const rows = await sql.$queryRawUnsafe<
    { id: string; position: string; type: string; occurred_at: Date; subject: string; data: unknown }[]
  >(
    `SELECT id::text AS id, position::text AS position, type, occurred_at, subject, data
     FROM outbox_event o WHERE o.position > $1::bigint ORDER BY o.position LIMIT $2`,
    after,
    first,
  );
  return rows.map((row) => {
    // jsonb arrives parsed from one driver and as text from another.
    const parsed = (typeof row.data === "string" ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
    return {
      id: row.id,
      position: row.position,
      type: row.type,
      occurredAt: new Date(row.occurred_at),
      subject: row.subject,
      data: JSON.stringify(parsed),
      parsed,
    };
  });
}

/** The IDCS an event's data names (its subject, spouses, parents, child, guardian), for the access log. */
export function personsNamedIn(data: Record<string, unknown>): string[] {
  const persons = new Set<string>();
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === "string" && /idcs$/i.test(key)) {
      persons.add(value);
    } else if (Array.isArray(value) && (key === "spouses" || /idcs$/i.test(key))) {
      for (const item of value) {
        if (typeof item === "string") {
          persons.add(item);
        }
      }
    }
  }
  return [...persons];
}
