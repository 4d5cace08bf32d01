/*
 * The standard OpenTelemetry settings this project honours, parsed once with zod like every other
 * setting, so that a wrong value stops the service at start-up (exit 2) instead of the SDK quietly
 * falling back. Where spans go and which are sampled is decided by the variables below alone; the
 * SDK still reads its tuning variables itself (OTEL_BSP_* for the batch, OTEL_EXPORTER_OTLP_HEADERS,
 * _TIMEOUT, _COMPRESSION for the exporter), which change how, not what, is exported.
 */
import { z } from "zod";
import { parseEnv } from "../config/env.js";

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/**
 * The default sampler and ratio: parent-based, so that a sampled request is sampled in every
 * register it reaches (one query, one whole trace), and 1 request in 10 started here, which keeps
 * tracing within 5% of person-360 throughput (README, "Traces", for the measurement).
 */
export const DEFAULT_SAMPLER: SamplerName = "parentbased_traceidratio";
export const DEFAULT_SAMPLER_RATIO = 0.1;

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

// OTEL_TRACES_SAMPLER_ARG is read by the ratio samplers and ignored by the others, as the
// specification says: one ratio may be set for a whole deployment whose services sample differently.
const tracingEnv = z.object({
  OTEL_SDK_DISABLED: z.preprocess(unsetIfEmpty, z.enum(["true", "false"]).default("false")),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(unsetIfEmpty, z.string().url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(unsetIfEmpty, z.string().url().optional()),
  OTEL_TRACES_SAMPLER: z.preprocess(unsetIfEmpty, z.enum(SAMPLERS).default(DEFAULT_SAMPLER)),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(unsetIfEmpty, z.coerce.number().min(0).max(1).optional()),
});

export interface TracingSettings {
  /** Where spans are posted (OTLP/HTTP JSON); undefined: tracing is off and nothing is registered. */
  tracesUrl: string | undefined;
  sampler: SamplerName;
  /** The share of traces started here that are recorded (ratio samplers). */
  ratio: number;
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given; OTEL_EXPORTER_OTLP_ENDPOINT is a base to
 * which `/v1/traces` is appended, as the OTLP exporter specification says.
 */
export function tracingSettings(source?: Record<string, string | undefined>): TracingSettings {
  const env = parseEnv(tracingEnv, source);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    env.OTEL_SDK_DISABLED === "true"
      ? undefined
      : (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined));
  return { tracesUrl, sampler: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG ?? DEFAULT_SAMPLER_RATIO };
}
