/** One fact a register reports to the others, as every transport delivers it. */
export interface RegisterEvent<D extends object = Record<string, unknown>> {
  /** The event's id (a UUID): consumers recognise a redelivery by it. */
  id: string;
  /** The producing register's name ("population", "social-registry"). */
  source: string;
  /** What happened, e.g. "person.died". */
  type: string;
  /** Its place in the producer's outbox (a decimal bigint), increasing in the order the relay saw commits. */
  position: string;
  /** When the change was made (ISO-8601). */
  occurredAt: string;
  /** The IDCS, household or record id the event is about. */
  subject: string;
  data: D;
}

/** Any Prisma client or interactive-transaction client. */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** A consuming register's reaction to some of a producer's events. */
export interface EventHandler {
  /** Producer register name ("population" | "social-registry") and the types wanted. */
  source: string;
  types: readonly string[];
  /**
   * Do the graph reads first, then one transaction that calls consumeOnce and writes the reaction.
   * Throwing = not consumed: it will be redelivered.
   */
  handle(event: RegisterEvent): Promise<void>;
}

/** What `setup` declares about a register's events. */
export interface EventsSetup {
  /** The register writes events (recordEvent): a relay positions them and publishes them. */
  produces?: boolean;
  /** The register reacts to other registers' events, delivered at least once, in position order. */
  consumers?: EventHandler[];
}

/** The app's events, for tests and shutdown. */
export interface RegisterEvents {
  /** Delivers everything available now (relay and consumers) and resolves when it has been handled. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** A RawSql over one transaction of the runtime's SQL access (for code that holds no Prisma client). */
export function rawSqlOf(tx: {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}): RawSql {
  return {
    // Only statements with RETURNING report what they changed through this adapter.
    $executeRawUnsafe: async (query, ...values) => (await tx.query(query, values)).length,
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await tx.query(query, values)) as T,
  };
}
