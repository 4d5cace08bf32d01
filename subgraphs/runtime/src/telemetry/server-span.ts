/*
 * The SERVER span of each GraphQL request, started before anything is read so that every span of
 * the request (authentication, planning, fetches, SQL) is its child. Whose trace it joins is the
 * security question of W3C Trace Context §51: a public endpoint that continued any inbound
 * `traceparent` would let anonymous clients choose trace ids (forged, colliding) and force
 * sampling (flooding the collector). So the caller decides how much is trusted:
 * - "continue": the inbound context is the parent (a register: only the gateway can call it);
 * - "decide": an async check of the request (the gateway: is the caller one of the system's own
 *   registers, authenticated?) continues it; anyone else gets a new trace started here and
 *   sampled by this service's own sampler, the inbound context kept only as a link.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { tracer } from "./spans.js";
import type { Tracing } from "./start-tracing.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export type InboundTrust = "continue" | { decide: (req: IncomingMessage) => Promise<boolean> };

function start(req: IncomingMessage, res: ServerResponse, handler: Handler, parent: Context, link?: SpanContext): void {
  const span = tracer.startSpan(
    "graphql.server",
    {
      kind: SpanKind.SERVER,
      ...(link ? { links: [{ context: link }], attributes: { "spx.trace.inbound_ignored": true } } : {}),
    },
    parent,
  );
  res.once("close", () => {
    span.setAttribute("http.response.status_code", res.statusCode);
    if (res.statusCode >= 500 || !res.writableFinished) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
  context.with(trace.setSpan(parent, span), () => handler(req, res));
}

/** `handler` with a SERVER span around each request to `/graphql`; unchanged when tracing is off. */
export function tracedHandler(handler: Handler, tracing: Pick<Tracing, "enabled">, trust: InboundTrust): Handler {
  if (!tracing.enabled) {
    return handler;
  }
  return (req, res) => {
    if (!req.url?.startsWith("/graphql")) {
      handler(req, res);
      return;
    }
    if (req.headers.traceparent === undefined) {
      start(req, res, handler, ROOT_CONTEXT);
      return;
    }
    const inbound = propagation.extract(ROOT_CONTEXT, req.headers);
    if (trust === "continue") {
      start(req, res, handler, inbound);
      return;
    }
    const link = trace.getSpanContext(inbound);
    trust.decide(req).then(
      (trusted) => start(req, res, handler, trusted ? inbound : ROOT_CONTEXT, trusted ? undefined : link),
      () => start(req, res, handler, ROOT_CONTEXT, link),
    );
  };
}

/** Adds the active context's `traceparent` to outgoing headers (nothing when no trace is recorded). */
export function injectTraceContext(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}
