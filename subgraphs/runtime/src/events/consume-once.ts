import type { RawSql, RegisterEvent } from "./register-event.js";

/**
 * Inside the reaction's transaction: true the first time this consumer sees this event id, false
 * after. A concurrent delivery of the same event waits on the first one's row and, once that
 * transaction commits, gets false: at-least-once delivery becomes effectively-once reactions. If
 * the reaction's transaction rolls back, so does the mark, and the redelivery reacts.
 */
export async function consumeOnce(tx: RawSql, consumer: string, event: RegisterEvent): Promise<boolean> {
  const inserted = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO consumed_event (consumer, event_id, source, type) VALUES ($1, $2::uuid, $3, $4)
     ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
    consumer,
    event.id,
    event.source,
    event.type,
  );
  return inserted.length === 1;
}
