import type { SqlExecutor } from "../database/database.js";
import type { Logger } from "../logging/logger.js";
import { SerialQueue, Stopper } from "./backoff.js";
import { type EventMetrics, NO_EVENT_METRICS } from "./event-metrics.js";
import { unpublishedEvents } from "./outbox-reader.js";
import type { RegisterEvent } from "./register-event.js";

/**
 * The advisory lock the relays of one register's replicas share, keyed by the register's name
 * (registers may share a PostgreSQL database under different schemas): whoever holds it positions
 * and publishes, the others skip the tick. Transaction-scoped, so a relay that dies releases it
 * with its connection.
 */
export const RELAY_LOCK_CLASS = 73_370_719;
const TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1::int, hashtext($2)) AS locked";

/** How many events one relay transaction handles. */
const BATCH = 200;

/** Where the relay publishes positioned events (NATS JetStream); absent on the embedded default. */
export interface EventPublisher {
  /** Resolves once the broker has stored the event; de-duplicated by the event's id. */
  publish(event: RegisterEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * Gives every committed, unpositioned event the next position, in one statement under the relay
 * lock. A transaction that commits after this ran gets later positions next time: positions only
 * ever grow in the order commits became visible, so a reader following them skips nothing.
 * Returns how many were positioned, or null when another replica holds the lock.
 */
export async function assignPositions(sql: SqlExecutor, source: string, limit = BATCH): Promise<number | null> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>(TRY_LOCK, [RELAY_LOCK_CLASS, source]);
    if (!lock?.locked) {
      return null;
    }
    const rows = await tx.query<{ position: string }>(
      `WITH next AS (
         SELECT id, row_number() OVER (ORDER BY recorded_seq) AS n
         FROM outbox_event WHERE position IS NULL ORDER BY recorded_seq LIMIT $1
       ), base AS (SELECT coalesce(max(position), 0) AS p FROM outbox_event)
       UPDATE outbox_event o SET position = base.p + next.n FROM next, base
       WHERE o.id = next.id RETURNING o.position::text AS position`,
      [limit],
    );
    return rows.length;
  });
}

/**
 * Publishes positioned, unpublished events in position order and marks them published, under the
 * relay lock so that one replica publishes at a time. A crash between the broker's ack and the
 * mark republishes the same ids, which the broker drops as duplicates.
 */
export async function publishPositioned(
  sql: SqlExecutor,
  source: string,
  publisher: EventPublisher,
  limit = BATCH,
): Promise<number | null> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>(TRY_LOCK, [RELAY_LOCK_CLASS, source]);
    if (!lock?.locked) {
      return null;
    }
    const events = await unpublishedEvents(tx, source, limit);
    for (const event of events) {
      await publisher.publish(event);
    }
    if (events.length > 0) {
      await tx.query("UPDATE outbox_event SET published_at = now() WHERE id = ANY($1::uuid[])", [
        events.map((e) => e.id),
      ]);
    }
    return events.length;
  });
}

/** The relay of a producing register: positions its outbox and, with NATS, publishes it. */
export class Relay {
  private readonly stopper = new Stopper();
  private readonly queue = new SerialQueue();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly options: {
      source: string;
      sql: SqlExecutor;
      publisher?: EventPublisher | undefined;
      intervalMs: number;
      logger: Logger;
      metrics?: EventMetrics | undefined;
    },
  ) {}

  private get metrics(): EventMetrics {
    return this.options.metrics ?? NO_EVENT_METRICS;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** One pass: positions and publishes until nothing is left or another replica holds the lock. */
  tick(): Promise<{ positioned: number; published: number; locked: boolean }> {
    return this.queue.run(async () => {
      const { sql, source, publisher } = this.options;
      let positioned = 0;
      let published = 0;
      for (;;) {
        const n = await assignPositions(sql, source);
        if (n === null) {
          return { positioned, published, locked: true };
        }
        positioned += n;
        this.metrics.relayed(n, 0);
        if (n < BATCH) {
          break;
        }
      }
      while (publisher) {
        const n = await publishPositioned(sql, source, publisher);
        if (n === null) {
          return { positioned, published, locked: true };
        }
        published += n;
        this.metrics.relayed(0, n);
        if (n < BATCH) {
          break;
        }
      }
      return { positioned, published, locked: false };
    });
  }

  /** Tests: everything committed now is positioned (and published), whichever replica did it. */
  async drain(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { locked } = await this.tick();
      if (!locked) {
        return;
      }
      // Another replica is relaying: its pass ends soon.
      await this.stopper.sleep(Math.min(50 * attempt, 500));
      if (this.stopper.isStopped) {
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.stopper.stop();
    await this.loop;
    await this.options.publisher?.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopper.isStopped) {
      try {
        const { positioned, published } = await this.tick();
        if (positioned > 0 || published > 0) {
          this.options.logger.debug({ positioned, published }, "events relayed");
        }
        failures = 0;
      } catch (error) {
        failures++;
        this.metrics.relayFailed();
        // Counts and the error only: events carry personal data.
        this.options.logger.warn({ err: error, failures }, "event relay failed; retrying");
      }
      await this.stopper.sleep(failures > 0 ? Math.max(this.options.intervalMs, 1_000) : this.options.intervalMs);
    }
  }
}
