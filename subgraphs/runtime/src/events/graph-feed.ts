import type { GraphClient } from "../clients/graph-client.js";
import type { SqlExecutor } from "../database/database.js";
import type { Logger } from "../logging/logger.js";
import { retryDelayMs, SerialQueue, Stopper } from "./backoff.js";
import { deliveryFailure, dispatch } from "./dispatch.js";
import { type EventMetrics, NO_EVENT_METRICS } from "./event-metrics.js";
import { FEED_DOCUMENTS, type FeedEvent } from "./feed-documents.js";
import type { EventHandler, RegisterEvent } from "./register-event.js";

const PAGE = 100;

/**
 * A durable consumer of one producer's events without NATS: polls the producer's feed through the
 * graph (the register's own client, so every read is authorized and in the access log), page by
 * page, and advances `event_cursor` only after the handlers of an event returned. A crash between
 * a reaction's commit and the cursor's redelivers that one event, which consumeOnce recognises.
 * An event whose handler fails is retried with a growing delay before any later one: the feed
 * keeps the producer's order.
 */
export class GraphFeedConsumer {
  private readonly stopper = new Stopper();
  private readonly queue = new SerialQueue();
  private loop: Promise<void> | undefined;
  private readonly name: string;
  private readonly document: { field: string; document: string };
  /** Failed attempts in a row on the event this consumer waits on. */
  private attempts = 0;

  constructor(
    private readonly options: {
      consumer: string;
      source: string;
      handlers: readonly EventHandler[];
      graph: GraphClient;
      sql: SqlExecutor;
      pollIntervalMs: number;
      logger: Logger;
      metrics?: EventMetrics | undefined;
    },
  ) {
    const document = FEED_DOCUMENTS[options.source];
    if (!document) {
      throw new Error(`no event feed for ${options.source}`);
    }
    this.document = document;
    this.name = `${options.consumer}-${options.source}`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Tests: reads the feed to its end now, handling every event; throws when a handler failed. */
  drain(): Promise<void> {
    return this.queue.run(async () => {
      while (!this.stopper.isStopped) {
        const page = await this.page();
        for (const event of page) {
          if (this.stopper.isStopped) {
            return;
          }
          await this.deliver(event);
        }
        if (page.length < PAGE) {
          return;
        }
      }
    });
  }

  async close(): Promise<void> {
    this.stopper.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopper.isStopped) {
      let wait = this.options.pollIntervalMs;
      try {
        await this.drain();
        attempt = 0;
      } catch (error) {
        attempt++;
        wait = Math.max(wait, retryDelayMs(attempt));
        this.options.logger.warn(
          failureOf(error, attempt, this.name),
          attempt === 1 ? "event delivery failed; retrying" : "event delivery failed again; retrying",
        );
      }
      await this.stopper.sleep(wait);
    }
  }

  private async cursor(): Promise<string> {
    const [row] = await this.options.sql.query<{ position: string }>(
      "SELECT position::text AS position FROM event_cursor WHERE consumer = $1",
      [this.name],
    );
    return row?.position ?? "0";
  }

  private async page(): Promise<RegisterEvent[]> {
    const after = await this.cursor();
    const data = await this.options.graph.query<Record<string, FeedEvent[] | null>>(this.document.document, {
      after,
      first: PAGE,
    });
    const page = data[this.document.field];
    if (!page) {
      throw new Error(`${this.document.field} answered null`);
    }
    return page.map((e) => ({
      ...e,
      source: this.options.source,
      data: JSON.parse(e.data) as Record<string, unknown>,
    }));
  }

  private async deliver(event: RegisterEvent): Promise<void> {
    const metrics = this.options.metrics ?? NO_EVENT_METRICS;
    try {
      await dispatch(this.options.handlers, event);
    } catch (error) {
      metrics.failed(this.options.source, ++this.attempts);
      throw new DeliveryError(event, error);
    }
    this.attempts = 0;
    metrics.handled(this.options.source, 0);
    await this.options.sql.query(
      `INSERT INTO event_cursor (consumer, source, position) VALUES ($1, $2, $3::bigint)
       ON CONFLICT (consumer) DO UPDATE SET position = GREATEST(event_cursor.position, excluded.position)`,
      [this.name, this.options.source, event.position],
    );
  }
}

/** A handler's failure, carrying the event it failed on (logged by id and type only). */
export class DeliveryError extends Error {
  constructor(
    readonly event: RegisterEvent,
    readonly error: unknown,
  ) {
    super(`handling ${event.type} ${event.id} failed`);
    this.name = "DeliveryError";
  }
}

function failureOf(error: unknown, attempt: number, consumer: string) {
  if (error instanceof DeliveryError) {
    return { consumer, ...deliveryFailure(error.event, error.error, attempt) };
  }
  return { consumer, attempt, err: error instanceof Error ? { type: error.name, message: error.message } : error };
}
