import { randomUUID } from "node:crypto";
import type { RawSql } from "./register-event.js";

/**
 * Writes an event into the register's outbox; call it INSIDE the transaction that makes the change,
 * so that the event exists if and only if the change committed. Returns its id.
 */
export async function recordEvent(tx: RawSql, event: { type: string; subject: string; data: object }): Promise<string> {
  const id = randomUUID();
  // clock_timestamp(), not now(): events of one transaction keep the order they were written in.
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox_event (id, type, subject, data, occurred_at)
     VALUES ($1::uuid, $2, $3, $4::jsonb, clock_timestamp())`,
    id,
    event.type,
    event.subject,
    JSON.stringify(event.data),
  );
  return id;
}
