/*
 * The written allow-list of what a span may carry out of a service. Every span passes through it
 * on its way to the exporter, ours and @apollo/gateway's alike: an attribute whose key is not
 * listed, or whose value does not have the listed shape, is dropped; so are every exception
 * event's message and stack trace and every status message (they may quote the input), and link
 * attributes. What stays is codes, names from a closed set, counts, statuses and parameterized
 * SQL. Hand-written because no OpenTelemetry JS package filters attributes by an allow-list (the
 * Collector's redaction processor does; deploy it as a second line of defence).
 */
import type { Attributes, AttributeValue, Link, SpanContext } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter, TimedEvent } from "@opentelemetry/sdk-trace-base";

type Check = (value: AttributeValue) => AttributeValue | undefined;

const matching =
  (pattern: RegExp): Check =>
  (value) =>
    typeof value === "string" && pattern.test(value) ? value : undefined;

const count: Check = (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;

const codes: Check = (value) =>
  Array.isArray(value) && value.every((code) => typeof code === "string" && ERROR_CODE.test(code))
    ? value.slice(0, 20)
    : undefined;

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/**
 * A GraphQL operation name is the client's free text: only a GraphQL name of at most 64 characters
 * without a run of 4 digits or more passes, so that no id, phone number or amount gets through.
 */
const OPERATION_NAME = /^(?!.*\d{4})[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Parameterized SQL only: any literal left in a statement is replaced by `?` (a second guard). */
export function withoutLiterals(sql: string): string {
  return sql
    .slice(0, 4096)
    .replace(/'(?:[^']|'')*'/g, "?")
    .replace(/(?<![$\w"])\d+(?:\.\d+)?\b/g, "?");
}

const statement: Check = (value) => (typeof value === "string" ? withoutLiterals(value) : undefined);

/** Every attribute key a span may carry, and the shape of its value. */
export const SPAN_ATTRIBUTES: Readonly<Record<string, Check>> = {
  "graphql.operation.name": matching(OPERATION_NAME),
  "graphql.operation.type": matching(/^(query|mutation|subscription)$/),
  /** A persisted or trusted document's id: the SHA-256 of a registered document. */
  "graphql.document.id": matching(/^(sha256:)?[0-9a-f]{64}$/),
  /** The caller's agency, role and purpose: codes of the catalogue (checked against it when set). */
  "spx.agency": matching(/^[A-Z][A-Z0-9_]{1,31}$/),
  "spx.role": matching(/^(SYSTEM|SERVICE|CASE_WORKER|ANALYST|AUDITOR|CITIZEN)$/),
  "spx.purpose": matching(/^[A-Z][A-Z0-9_]{1,63}$/),
  /** The codes of the errors an answer carries (`extensions.code`). */
  "spx.error.codes": codes,
  "error.type": matching(/^[A-Za-z][A-Za-z0-9_.]{0,63}$/),
  /** @apollo/gateway's name for the subgraph of a `gateway.fetch`, and ours. */
  service: matching(/^[a-z][a-z0-9-]{0,63}$/),
  "subgraph.name": matching(/^[a-z][a-z0-9-]{0,63}$/),
  "http.response.status_code": count,
  /** An inbound traceparent the gateway did not continue (kept as a link, counted here). */
  "spx.trace.inbound_ignored": (value) => (typeof value === "boolean" ? value : undefined),
  "spx.loader.keys": count,
  "db.system.name": matching(/^(postgresql)$/),
  "db.query.text": statement,
  "db.response.returned_rows": count,
  "spx.access_log.entries": count,
  "spx.authorization.refusals": count,
};

/** Span names outside these are exported as `span`: a name must never carry what an attribute may not. */
const SPAN_NAME =
  /^(gateway\.[a-z]+|graphql\.(server|call)|spx\.[a-z_.]+|db\.query|loader\.batch|(query|mutation|subscription))$/;

export function allowedAttributes(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    const check = SPAN_ATTRIBUTES[key];
    const allowed = check && value !== undefined ? check(value) : undefined;
    if (allowed !== undefined) {
      kept[key] = allowed;
    }
  }
  return kept;
}

/** An exception event keeps its type only (the message and stack may quote input); other events, allowed attributes. */
function allowedEvent(event: TimedEvent): TimedEvent {
  const attributes = event.attributes ?? {};
  if (event.name === "exception") {
    const type = attributes["exception.type"];
    const kept =
      typeof type === "string" && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(type) ? { "exception.type": type } : {};
    return { name: "exception", time: event.time, attributes: kept, droppedAttributesCount: 0 };
  }
  return { name: "event", time: event.time, attributes: allowedAttributes(attributes), droppedAttributesCount: 0 };
}

function allowedLink(link: Link): Link {
  return { context: link.context };
}

/** A copy of the span holding only what the allow-list lets through. */
export function allowedSpan(span: ReadableSpan): ReadableSpan {
  const context: SpanContext = span.spanContext();
  return {
    name: SPAN_NAME.test(span.name) ? span.name : "span",
    kind: span.kind,
    spanContext: () => context,
    ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    // The status code stays (OK, ERROR); its message, which may echo the input, does not.
    status: { code: span.status.code },
    attributes: allowedAttributes(span.attributes),
    links: span.links.map(allowedLink),
    events: span.events.map(allowedEvent),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Wraps the real exporter: everything exported has been through the allow-list. */
export class AllowListExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans.map(allowedSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
