import { errorChain } from "../errors/error-chain.js";

/**
 * Conditions in which the database did nothing for this request and the same request, sent again,
 * may well succeed: no connection or transaction could be had in time (the pool is taken by other
 * work), a statement was cancelled, or PostgreSQL chose this transaction as the loser of a
 * conflict or deadlock. Prisma codes (P2024 pool timeout, P2028 transaction could not start or
 * expired, P2034 write conflict) and SQLSTATEs, wherever they sit in the error's chain.
 */
const TRANSIENT_CODES = new Set([
  "P2024",
  "P2028",
  "P2034",
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "57P03", // cannot_connect_now
  "25P03", // idle_in_transaction_session_timeout: the server rolled the transaction back
]);
// Not a lost connection or a socket timeout: a COMMIT cut off that way may have taken effect, and
// "nothing was done" could not be promised.
const TRANSIENT_KINDS = new Set(["TransactionWriteConflict", "TooManyConnections"]);

/**
 * node-postgres's own timeouts carry no code, only these messages (pg 8.23 / pg-pool 3.x). The two
 * connection timeouts mean no statement was ever sent. The query timeout is the client giving up
 * on an answer: the statement may have run, a COMMIT may have taken effect, so it is "busy, outcome
 * unknown", and the request may only be repeated as an idempotent write is.
 */
const DRIVER_MESSAGES = new Map([
  ["timeout exceeded when trying to connect", "POOL_TIMEOUT"],
  ["Connection terminated due to connection timeout", "CONNECT_TIMEOUT"],
  ["Query read timeout", "QUERY_TIMEOUT"],
]);
const UNKNOWN_OUTCOME = new Set(["QUERY_TIMEOUT"]);

/** Every condition `transientCondition` may name: the bounded set a REGISTER_BUSY count is labelled with. */
export const TRANSIENT_CONDITIONS: readonly string[] = [
  ...TRANSIENT_CODES,
  ...TRANSIENT_KINDS,
  ...DRIVER_MESSAGES.values(),
];

/** The transient condition behind `error` (a code, for the log), or undefined if it is not one. */
export function transientCondition(error: unknown): string | undefined {
  for (const record of errorChain(error)) {
    for (const code of [record.code, record.kind, record.meta?.code]) {
      if (typeof code === "string" && (TRANSIENT_CODES.has(code) || TRANSIENT_KINDS.has(code))) {
        return code;
      }
    }
    const message = typeof record.message === "string" ? record.message : undefined;
    for (const [text, condition] of DRIVER_MESSAGES) {
      if (message?.includes(text)) {
        return condition;
      }
    }
  }
  return undefined;
}

/** Whether a write may have taken effect despite `condition` (so "nothing was done" is not promised). */
export function outcomeUnknown(condition: string): boolean {
  return UNKNOWN_OUTCOME.has(condition);
}
