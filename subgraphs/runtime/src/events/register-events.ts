import type { GraphClient } from "../clients/graph-client.js";
import type { SqlExecutor } from "../database/database.js";
import type { Logger } from "../logging/logger.js";
import type { EventMetrics } from "./event-metrics.js";
import { GraphFeedConsumer } from "./graph-feed.js";
import { NatsConsumer, type NatsSettings, NatsTransport } from "./nats-transport.js";
import type { EventHandler, EventsSetup, RegisterEvents } from "./register-event.js";
import { Relay } from "./relay.js";

export const DEFAULT_EVENTS_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_EVENTS_RELAY_INTERVAL_MS = 200;

export interface EventsOptions {
  /** The register's name: the source of the events it produces, the consumer of those it reads. */
  register: string;
  sql: SqlExecutor;
  logger: Logger;
  setup: EventsSetup | undefined;
  /** JetStream, when NATS_URL is set; otherwise consumers poll the producers' feeds through the graph. */
  nats?: NatsSettings | undefined;
  /** The register's own graph client, for the feeds (the transport without NATS). */
  graph?: GraphClient | undefined;
  pollIntervalMs?: number | undefined;
  relayIntervalMs?: number | undefined;
  /** Where the relay and consumers count what they do (the register's /metrics). */
  metrics?: EventMetrics | undefined;
  /** false: nothing runs in the background (a test drives `drain()` itself). Default true. */
  background?: boolean | undefined;
}

interface Loop {
  start(): void;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Groups handlers by the register they read, one durable consumer per source. */
function bySource(handlers: readonly EventHandler[]): Map<string, EventHandler[]> {
  const sources = new Map<string, EventHandler[]>();
  for (const handler of handlers) {
    sources.set(handler.source, [...(sources.get(handler.source) ?? []), handler]);
  }
  return sources;
}

/** Starts a register's relay and consumers as its setup declares them. */
export async function startEvents(options: EventsOptions): Promise<RegisterEvents> {
  const { register, sql, logger, setup, metrics } = options;
  const consumers = setup?.consumers ?? [];
  const produces = setup?.produces ?? false;
  if (!produces && consumers.length === 0) {
    return { drain: async () => undefined, close: async () => undefined };
  }
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_EVENTS_POLL_INTERVAL_MS;
  const transport = options.nats ? await NatsTransport.connect(options.nats, register) : undefined;
  const relays: Loop[] = [];
  const loops: Loop[] = [];
  try {
    if (produces) {
      metrics?.producing();
      relays.push(
        new Relay({
          source: register,
          sql,
          publisher: transport?.publisher(),
          intervalMs: options.relayIntervalMs ?? DEFAULT_EVENTS_RELAY_INTERVAL_MS,
          logger,
          metrics,
        }),
      );
    }
    for (const [source, handlers] of bySource(consumers)) {
      metrics?.consuming(source);
      if (transport) {
        const consumer = new NatsConsumer({
          transport,
          consumer: register,
          source,
          handlers,
          pollIntervalMs,
          logger,
          metrics,
        });
        await consumer.init();
        loops.push(consumer);
      } else {
        if (!options.graph) {
          throw new Error(`${register} consumes ${source} events without NATS_URL and has no graph client`);
        }
        loops.push(
          new GraphFeedConsumer({
            consumer: register,
            source,
            handlers,
            graph: options.graph,
            sql,
            pollIntervalMs,
            logger,
            metrics,
          }),
        );
      }
    }
  } catch (error) {
    await transport?.close();
    throw error;
  }
  if (options.background ?? true) {
    for (const loop of [...relays, ...loops]) {
      loop.start();
    }
  }
  logger.info(
    { transport: transport ? "nats" : "graph-feed", produces, consumes: [...bySource(consumers).keys()] },
    "events started",
  );
  return {
    async drain() {
      // A register's own events first (a register may read what it wrote), then what it reads.
      for (const relay of relays) {
        await relay.drain();
      }
      for (const loop of loops) {
        await loop.drain();
      }
    },
    async close() {
      await Promise.all([...relays, ...loops].map((loop) => loop.close()));
      await transport?.close();
    },
  };
}
