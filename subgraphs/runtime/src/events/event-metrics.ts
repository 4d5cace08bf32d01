/*
 * What an operator watches of a register's events at /metrics: how many its relay positioned and
 * published, its relay's failures, the events each consumer handled and failed, and whether a
 * consumer keeps failing on an event (over the graph feed it retries that event before any later
 * one; over JetStream the event is redelivered later while the others go on). Labels
 * are the producing registers only (a closed set): never an event's id, type or subject.
 */
import type { Registry } from "prom-client";
import { boundedCounter, boundedGauge } from "../metrics/bounded-labels.js";
import { FEED_DOCUMENTS } from "./feed-documents.js";

export interface EventMetrics {
  /** This register relays events of its own: the relay's series start at zero. */
  producing(): void;
  /** A consumer of this producer's events exists here: its series start at zero. */
  consuming(source: string): void;
  relayed(positioned: number, published: number): void;
  relayFailed(): void;
  /**
   * An event whose handlers returned (a redelivery recognised by consumeOnce included);
   * `retrying`: the most failed attempts of an event the consumer still has to handle (0: none).
   */
  handled(source: string, retrying: number): void;
  /** A delivery that failed; `retrying` as above, this event's failures included. */
  failed(source: string, retrying: number): void;
}

export const NO_EVENT_METRICS: EventMetrics = {
  producing: () => undefined,
  consuming: () => undefined,
  relayed: () => undefined,
  relayFailed: () => undefined,
  handled: () => undefined,
  failed: () => undefined,
};

export function eventMetrics(registry: Registry): EventMetrics {
  const sources = Object.keys(FEED_DOCUMENTS);
  const relayed = boundedCounter(registry, {
    name: "spx_events_relayed_total",
    help: "The register's own events its relay positioned (stage=positioned) and published to NATS (stage=published).",
    labels: { stage: ["positioned", "published"] },
  });
  const relayFailures = boundedCounter(registry, {
    name: "spx_events_relay_failures_total",
    help: "Relay passes that failed (retried after a second).",
    labels: {},
  });
  const handled = boundedCounter(registry, {
    name: "spx_events_handled_total",
    help: "Events of another register this register's consumers handled, by producing register.",
    labels: { source: sources },
  });
  const failures = boundedCounter(registry, {
    name: "spx_events_delivery_failures_total",
    help: "Deliveries whose handler failed (the event is retried before any later one), by producing register.",
    labels: { source: sources },
  });
  const retrying = boundedGauge(registry, {
    name: "spx_events_consumer_retrying",
    help: "The most failed deliveries of an event of this producer not handled yet; 0 while events flow.",
    labels: { source: sources },
  });
  return {
    producing() {
      relayed.zero({ stage: "positioned" });
      relayed.zero({ stage: "published" });
      relayFailures.zero({});
    },
    consuming(source) {
      handled.zero({ source });
      failures.zero({ source });
      retrying.set({ source }, 0);
    },
    relayed(positioned, published) {
      relayed.inc({ stage: "positioned" }, positioned);
      relayed.inc({ stage: "published" }, published);
    },
    relayFailed: () => relayFailures.inc({}),
    handled(source, attempts) {
      handled.inc({ source });
      retrying.set({ source }, attempts);
    },
    failed(source, attempts) {
      failures.inc({ source });
      retrying.set({ source }, attempts);
    },
  };
}
