import { Writable } from "node:stream";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { EnvError } from "../config/env.js";
import { maskError } from "../errors/errors.js";
import { createLogger } from "../logging/logger.js";
import { AllowListExporter, withoutLiterals } from "../telemetry/span-allow-list.js";
import { currentTraceId, tracer } from "../telemetry/spans.js";
import { startTracing } from "../telemetry/start-tracing.js";
import { tracingSettings } from "../telemetry/tracing-settings.js";

describe("tracing settings", () => {
  it("are off without an OTLP endpoint, and with OTEL_SDK_DISABLED=true whatever else is set", () => {
    expect(tracingSettings({}).tracesUrl).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }).tracesUrl).toBeUndefined();
    expect(
      tracingSettings({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracesUrl,
    ).toBeUndefined();
  });

  it("append /v1/traces to the base endpoint and take the traces endpoint as given", () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracesUrl).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(
      tracingSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/otlp",
      }).tracesUrl,
    ).toBe("http://traces:9999/otlp");
  });

  it("sample 1 in 10 parent-based by default, and refuse a sampler or ratio they do not know, naming each", () => {
    expect(tracingSettings({})).toMatchObject({ sampler: "parentbased_traceidratio", ratio: 0.1 });
    expect(() =>
      tracingSettings({ OTEL_TRACES_SAMPLER: "jaeger_remote", OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }),
    ).toThrow(EnvError);
    try {
      tracingSettings({ OTEL_TRACES_SAMPLER: "jaeger_remote", OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" });
    } catch (error) {
      expect((error as EnvError).issues.map((issue) => issue.split(":")[0])).toEqual([
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_TRACES_SAMPLER",
      ]);
    }
    expect(() => tracingSettings({ OTEL_TRACES_SAMPLER_ARG: "1.5" })).toThrow(EnvError);
    expect(() => tracingSettings({ OTEL_TRACES_SAMPLER_ARG: "a tenth" })).toThrow(EnvError);
  });
});

describe("with no OTLP endpoint", () => {
  it("registers no provider: spans are not recorded, and neither log lines nor errors carry a trace id", () => {
    const tracing = startTracing("population", tracingSettings({}));
    expect(tracing.enabled).toBe(false);
    const lines: string[] = [];
    const logger = createLogger(
      "population",
      "info",
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    tracer.startActiveSpan("graphql.server", (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceId()).toBeUndefined();
      logger.info("operation");
      const masked = maskError({ message: "boom" }, new Error("boom"), () => {});
      expect(masked.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
      span.end();
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).not.toHaveProperty("traceId");
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe("the span allow-list", () => {
  const exporter = new InMemorySpanExporter();
  // Not registered globally: only this provider's spans, through the allow-list like a service's.
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new AllowListExporter(exporter))],
  });
  const local = provider.getTracer("test");
  afterAll(() => provider.shutdown());

  it("keeps the listed keys of the listed shapes, and drops everything else", () => {
    const span = local.startSpan("query", {
      kind: SpanKind.SERVER,
      attributes: {
        "graphql.operation.type": "query",
        "graphql.operation.name": "Person360",
        "spx.agency": "ANSS",
        "spx.role": "CASE_WORKER",
        "spx.purpose": "CASE_MANAGEMENT",
        "http.response.status_code": 200,
        "spx.error.codes": ["FORBIDDEN"],
        // Not listed: never exported, whatever they hold.
        "graphql.document": 'query { person(idcs: "1062609475") { lastName } }',
        "graphql.variables.idcs": "1062609475",
        operationName: "Person360",
        "url.query": "variables=%7B%22idcs%22%3A%221062609475%22%7D",
      },
    });
    span.end();
    const [exported] = exporter.getFinishedSpans().slice(-1);
    expect(exported?.attributes).toEqual({
      "graphql.operation.type": "query",
      "graphql.operation.name": "Person360",
      "spx.agency": "ANSS",
      "spx.role": "CASE_WORKER",
      "spx.purpose": "CASE_MANAGEMENT",
      "http.response.status_code": 200,
      "spx.error.codes": ["FORBIDDEN"],
    });
  });

  it("drops a listed key whose value is not of its shape: an operation named after an id, a free-text code", () => {
    const span = local.startSpan("query", {
      attributes: {
        "graphql.operation.name": "Lookup1062609475",
        "spx.purpose": "checking Fatima's file",
        "spx.role": "ADMIN",
        "spx.error.codes": ["FORBIDDEN", "Invalid idcs 1062609475"],
        "spx.loader.keys": -1,
      },
    });
    span.end();
    expect(exporter.getFinishedSpans().slice(-1)[0]?.attributes).toEqual({});
  });

  it("keeps an exception's type, not its message or stack, and a status code, not its message", () => {
    const span = local.startSpan("db.query");
    span.recordException(new TypeError('invalid input syntax for type uuid: "AB123456"'));
    span.addEvent("note", { "person.cin": "AB123456", "spx.loader.keys": 3 });
    span.setStatus({ code: SpanStatusCode.ERROR, message: "person 1062609475 not found" });
    span.end();
    const [exported] = exporter.getFinishedSpans().slice(-1);
    expect(exported?.events.map(({ name, attributes }) => ({ name, attributes }))).toEqual([
      { name: "exception", attributes: { "exception.type": "TypeError" } },
      { name: "event", attributes: { "spx.loader.keys": 3 } },
    ]);
    expect(exported?.status).toEqual({ code: SpanStatusCode.ERROR });
  });

  it("renames a span whose name is not of the listed forms, and blanks literals left in SQL", () => {
    const span = local.startSpan("person 1062609475", {
      attributes: { "db.query.text": "SELECT * FROM person WHERE idcs = '1062609475' AND age > 30 AND x = $1" },
    });
    span.end();
    const [exported] = exporter.getFinishedSpans().slice(-1);
    expect(exported?.name).toBe("span");
    expect(exported?.attributes["db.query.text"]).toBe("SELECT * FROM person WHERE idcs = ? AND age > ? AND x = $1");
    expect(withoutLiterals('SELECT "t0"."id" FROM "public"."person" AS "t0" LIMIT $2 OFFSET $3')).toBe(
      'SELECT "t0"."id" FROM "public"."person" AS "t0" LIMIT $2 OFFSET $3',
    );
  });
});
