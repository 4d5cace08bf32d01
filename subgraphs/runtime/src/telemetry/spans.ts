/*
 * The few helpers every traced place uses. With no provider registered (tracing off) the API is
 * its own no-op: `startActiveSpan` hands out a non-recording span, no context is kept and no id
 * is made, so an untraced service pays a function call per hook and nothing more.
 */
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Link,
  type Span,
  type SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";

/** Every span of this project comes from this one tracer (its scope names the project, not the service). */
export const tracer = trace.getTracer("spx");

/** The trace id of the span being served here, when that trace is recorded; otherwise undefined. */
export function currentTraceId(): string | undefined {
  const active = trace.getActiveSpan()?.spanContext();
  return active && active.traceFlags & TraceFlags.SAMPLED ? active.traceId : undefined;
}

const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether `parent` holds a span of a recorded (sampled) trace, started here or elsewhere. */
function sampled(parent: Context): boolean {
  const flags = trace.getSpanContext(parent)?.traceFlags ?? TraceFlags.NONE;
  return (flags & TraceFlags.SAMPLED) !== 0;
}

export interface ChildSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent, when not the active context's span. */
  parent?: Context;
}

/**
 * A span under the recorded span of `parent` (default: the active one). Without one (an
 * unsampled request, start-up work such as migrations) nothing is made at all: a child of an
 * unrecorded span would not be recorded either, and making it costs ids and a context.
 */
export function startChildSpan(name: string, options: ChildSpanOptions = {}): Span {
  const parent = options.parent ?? context.active();
  if (!sampled(parent)) {
    return NOT_RECORDED;
  }
  return tracer.startSpan(name, options, parent);
}

/** Runs `work` in a child span of its own, ended when it settles; a failure marks the span (its type only). */
export async function inSpan<T>(name: string, options: ChildSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  if (!sampled(parent)) {
    return work(NOT_RECORDED);
  }
  const span = tracer.startSpan(name, options, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with the error's type and code; never its message, which may quote input. */
export function markFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  if (error instanceof Error) {
    span.setAttribute("error.type", error.name);
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") {
      span.setAttribute("spx.error.codes", [code]);
    }
  }
}

/** The `extensions.code` of each error of an answer, on the span, which is marked failed if any. */
export function recordErrorCodes(
  span: Span | undefined,
  errors: readonly { extensions?: Record<string, unknown> | undefined }[] | undefined,
): void {
  if (!span?.isRecording() || !errors?.length) {
    return;
  }
  const codes = [...new Set(errors.map((error) => String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR")))];
  span.setAttribute("spx.error.codes", codes);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
