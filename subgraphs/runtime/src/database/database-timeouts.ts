import { z } from "zod";

/**
 * How long a register waits for its PostgreSQL. Each is below the gateway's 3 s per subgraph call,
 * so that a register stuck on its database answers REGISTER_BUSY before the gateway gives up on it
 * and the client hears why.
 */
export interface DatabaseTimeouts {
  /** A new connection, and a free one from a full pool. */
  connectMs: number;
  /** PostgreSQL cancels a statement running longer (SQLSTATE 57014). */
  statementMs: number;
  /** PostgreSQL gives up a lock wait (SQLSTATE 55P03). */
  lockMs: number;
  /** PostgreSQL ends a session left idle inside a transaction (FATAL 25P03), rolling it back. */
  idleInTransactionMs: number;
  /**
   * Client side, above `statementMs`: a server that accepts connections but never answers never
   * runs statement_timeout, so the driver stops waiting itself.
   */
  queryMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 2_000,
  statementMs: 2_000,
  lockMs: 1_000,
  idleInTransactionMs: 10_000,
  queryMs: 2_500,
};

const millis = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);

/** The environment's names for these settings, shared by every register and the gateway's access log. */
export const databaseTimeoutsEnv = {
  DATABASE_CONNECT_TIMEOUT_MS: millis(DEFAULT_DATABASE_TIMEOUTS.connectMs),
  DATABASE_STATEMENT_TIMEOUT_MS: millis(DEFAULT_DATABASE_TIMEOUTS.statementMs),
  DATABASE_LOCK_TIMEOUT_MS: millis(DEFAULT_DATABASE_TIMEOUTS.lockMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: millis(DEFAULT_DATABASE_TIMEOUTS.idleInTransactionMs),
  DATABASE_QUERY_TIMEOUT_MS: millis(DEFAULT_DATABASE_TIMEOUTS.queryMs),
};

type RawTimeouts = { [K in keyof typeof databaseTimeoutsEnv]: number };

export function databaseTimeoutsOf(raw: RawTimeouts): DatabaseTimeouts {
  return {
    connectMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
    statementMs: raw.DATABASE_STATEMENT_TIMEOUT_MS,
    lockMs: raw.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionMs: raw.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    queryMs: raw.DATABASE_QUERY_TIMEOUT_MS,
  };
}

/** The client-side wait must outlast the server's own, or a slow statement is never cancelled there. */
export const timeoutsAreOrdered = (raw: RawTimeouts) =>
  raw.DATABASE_QUERY_TIMEOUT_MS > raw.DATABASE_STATEMENT_TIMEOUT_MS;
