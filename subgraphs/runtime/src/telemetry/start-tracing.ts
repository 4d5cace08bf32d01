/*
 * Turns tracing on for one service, from the one place each service starts (runSubgraph, the
 * gateway's main). Manual spans through @opentelemetry/api at the hooks the code already has,
 * rather than auto-instrumentation: ESM modules cannot be patched after they are imported, and
 * per-resolver or per-socket spans would cost more than the whole budget (README, "Traces").
 */
import { randomUUID } from "node:crypto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Sampler } from "@opentelemetry/sdk-trace-base";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { AllowListExporter } from "./span-allow-list.js";
import type { SamplerName, TracingSettings } from "./tracing-settings.js";

/** `service.instance.id` (semantic conventions, incubating): a UUID per process. */
const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";

export interface Tracing {
  /** Whether spans are recorded and exported at all. */
  readonly enabled: boolean;
  /** Exports what is pending and stops; called once the service has drained. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => {} };

function samplerOf(name: SamplerName, ratio: number): Sampler {
  const root = {
    always_on: new AlwaysOnSampler(),
    always_off: new AlwaysOffSampler(),
    traceidratio: new TraceIdRatioBasedSampler(ratio),
    parentbased_always_on: new AlwaysOnSampler(),
    parentbased_always_off: new AlwaysOffSampler(),
    parentbased_traceidratio: new TraceIdRatioBasedSampler(ratio),
  }[name];
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
}

/**
 * With no OTLP endpoint configured, registers nothing: the API stays its own no-op, so tracing
 * off costs nothing. Otherwise a provider with one batch processor posting OTLP/HTTP JSON, every
 * span through the allow-list, W3C trace context and an AsyncLocalStorage context manager.
 */
export function startTracing(service: string, settings: TracingSettings): Tracing {
  if (!settings.tracesUrl) {
    return OFF;
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service, [ATTR_SERVICE_INSTANCE_ID]: randomUUID() }),
    sampler: samplerOf(settings.sampler, settings.ratio),
    spanProcessors: [new BatchSpanProcessor(new AllowListExporter(new OTLPTraceExporter({ url: settings.tracesUrl })))],
  });
  provider.register();
  return { enabled: true, shutdown: () => provider.shutdown() };
}
