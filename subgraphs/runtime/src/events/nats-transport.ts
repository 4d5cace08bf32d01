import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { Logger } from "../logging/logger.js";
import { retryDelayMs, Stopper } from "./backoff.js";
import { deliveryFailure, dispatch } from "./dispatch.js";
import { type EventMetrics, NO_EVENT_METRICS } from "./event-metrics.js";
import type { EventHandler, RegisterEvent } from "./register-event.js";
import type { EventPublisher } from "./relay.js";

/** The stream every register publishes to, and its subjects' first token: `spx.<register>.<type>`. */
export const DEFAULT_STREAM = "SPX_EVENTS";
export const DEFAULT_SUBJECT_PREFIX = "spx";

/**
 * How long JetStream remembers a message id: a relay that crashed after publishing and before
 * marking its events republishes them well within this, and the copies are dropped.
 */
const DUPLICATE_WINDOW_MS = 60 * 60_000;
/**
 * How long a delivered event may stay unacknowledged before JetStream redelivers it: what a
 * consumer that died mid-batch costs the events it had fetched. A handler taking longer is kept
 * alive by progress acknowledgements (`working()`), so this bounds the recovery, not the work.
 */
const ACK_WAIT_MS = 10_000;
const FETCH = 100;

export interface NatsSettings {
  url: string;
  /** Tests give each run its own stream and prefix. */
  stream?: string | undefined;
  subjectPrefix?: string | undefined;
}

/** One register's connection to JetStream: the stream made sure of, a publisher, durable consumers. */
export class NatsTransport {
  private constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly stream: string,
    readonly subjectPrefix: string,
  ) {}

  static async connect(settings: NatsSettings, name: string): Promise<NatsTransport> {
    const connection = await connect({ servers: settings.url, name, maxReconnectAttempts: -1 });
    try {
      const jsm = await jetstreamManager(connection);
      const transport = new NatsTransport(
        connection,
        jetstream(connection),
        jsm,
        settings.stream ?? DEFAULT_STREAM,
        settings.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX,
      );
      await transport.ensureStream();
      return transport;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  subjectOf(source: string, type: string): string {
    return `${this.subjectPrefix}.${source}.${type}`;
  }

  /** Creates the stream unless it exists; several registers starting together may race to. */
  async ensureStream(): Promise<void> {
    try {
      await this.jsm.streams.info(this.stream);
      return;
    } catch (error) {
      if (!isNotFound(error)) {
        throw error;
      }
    }
    try {
      await this.jsm.streams.add({
        name: this.stream,
        subjects: [`${this.subjectPrefix}.>`],
        storage: StorageType.File,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
    } catch (error) {
      // Another register created it between our look and our add.
      await this.jsm.streams.info(this.stream).catch(() => {
        throw error;
      });
    }
  }

  publisher(): EventPublisher {
    return {
      publish: async (event) => {
        await this.js.publish(this.subjectOf(event.source, event.type), JSON.stringify(event), { msgID: event.id });
      },
      close: async () => undefined,
    };
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) {
      await this.connection.drain().catch(() => this.connection.close());
    }
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

/**
 * A durable JetStream pull consumer `<consumer register>-<source>`: each event is acknowledged
 * only after its handlers returned (ackAck: the server confirmed), so an event being handled when
 * the process dies is redelivered. A handler that throws is negatively acknowledged with a
 * growing delay; JetStream redelivers it then, and later events go on meanwhile.
 */
/** How long a failed event counts as still failing here without failing again (see `failing`). */
const STALE_FAILURE_MS = 5 * 60_000;

export class NatsConsumer {
  private readonly stopper = new Stopper();
  private loop: Promise<void> | undefined;
  private fetching: ConsumerMessages | undefined;
  private consumer: Consumer | undefined;
  private failures = 0;
  /**
   * Events whose delivery failed here and that this process has not handled since, with their
   * delivery counts (for /metrics). Another replica may handle the redelivery: an entry not
   * refreshed by a new failure within STALE_FAILURE_MS (redeliveries come within a minute) is dropped.
   */
  private readonly failing = new Map<string, { attempts: number; at: number }>();
  readonly name: string;

  constructor(
    private readonly options: {
      transport: NatsTransport;
      consumer: string;
      source: string;
      handlers: readonly EventHandler[];
      pollIntervalMs: number;
      logger: Logger;
      metrics?: EventMetrics | undefined;
    },
  ) {
    this.name = `${options.consumer}-${options.source}`;
  }

  /** Creates (or keeps) the durable consumer; it survives restarts on the server. */
  async init(): Promise<void> {
    const { transport, source } = this.options;
    const settings = { ack_wait: nanos(ACK_WAIT_MS), max_deliver: -1 };
    try {
      await transport.jsm.consumers.add(transport.stream, {
        durable_name: this.name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: `${transport.subjectPrefix}.${source}.>`,
        ...settings,
      });
    } catch (error) {
      // It exists with other settings (an earlier release): those that may change are brought up to date.
      await transport.jsm.consumers.update(transport.stream, this.name, settings).catch(() => {
        throw error;
      });
    }
    this.consumer = await transport.js.consumers.get(transport.stream, this.name);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Tests: handles everything the stream holds for this consumer now; throws when a handler failed. */
  async drain(): Promise<void> {
    const consumer = this.ready();
    const failuresBefore = this.failures;
    let fetchErrors = 0;
    while (!this.stopper.isStopped) {
      const info = await consumer.info();
      if (this.failures !== failuresBefore) {
        throw new Error(`${this.name}: an event handler failed (see the log)`);
      }
      if (info.num_pending === 0 && info.num_ack_pending === 0) {
        return;
      }
      try {
        await this.fetchOnce(2_000);
        fetchErrors = 0;
      } catch (error) {
        // A pull that missed the server's heartbeats on a loaded machine: pull again, a few times.
        if (++fetchErrors >= 5) {
          throw error;
        }
      }
    }
  }

  async close(): Promise<void> {
    this.stopper.stop();
    this.fetching?.stop();
    await this.loop;
  }

  private ready(): Consumer {
    if (!this.consumer) {
      throw new Error(`${this.name} is not initialised`);
    }
    return this.consumer;
  }

  private async run(): Promise<void> {
    let errors = 0;
    while (!this.stopper.isStopped) {
      try {
        await this.fetchOnce(Math.max(this.options.pollIntervalMs, 2_000));
        errors = 0;
      } catch (error) {
        errors++;
        this.options.logger.warn({ consumer: this.name, err: error, attempt: errors }, "event fetch failed; retrying");
        await this.stopper.sleep(retryDelayMs(errors));
      }
    }
  }

  private async fetchOnce(expiresMs: number): Promise<void> {
    const messages = await this.ready().fetch({ max_messages: FETCH, expires: expiresMs });
    this.fetching = messages;
    try {
      for await (const message of messages) {
        if (this.stopper.isStopped) {
          // Not acknowledged: redelivered to whoever consumes next.
          message.nak();
          continue;
        }
        await this.handle(message);
      }
    } finally {
      this.fetching = undefined;
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    let event: RegisterEvent;
    try {
      event = message.json<RegisterEvent>();
    } catch {
      // Not an event at all: nothing will ever handle it.
      this.options.logger.error({ consumer: this.name, seq: message.seq }, "unreadable event message dropped");
      message.term();
      return;
    }
    const progress = setInterval(() => message.working(), ACK_WAIT_MS / 3);
    try {
      await dispatch(this.options.handlers, event);
    } catch (error) {
      this.failures++;
      const attempt = message.info.deliveryCount;
      this.failing.set(event.id, { attempts: attempt, at: Date.now() });
      (this.options.metrics ?? NO_EVENT_METRICS).failed(this.options.source, this.mostAttempts());
      this.options.logger.warn(
        { consumer: this.name, ...deliveryFailure(event, error, attempt) },
        "event delivery failed; redelivered later",
      );
      message.nak(retryDelayMs(attempt));
      return;
    } finally {
      clearInterval(progress);
    }
    await message.ackAck();
    this.failing.delete(event.id);
    (this.options.metrics ?? NO_EVENT_METRICS).handled(this.options.source, this.mostAttempts());
  }

  private mostAttempts(): number {
    let most = 0;
    const stale = Date.now() - STALE_FAILURE_MS;
    for (const [id, failure] of this.failing) {
      if (failure.at < stale) {
        this.failing.delete(id);
      } else {
        most = Math.max(most, failure.attempts);
      }
    }
    return most;
  }
}
