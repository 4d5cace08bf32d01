import { type DestinationStream, type Logger, pino } from "pino";
import { currentTraceId } from "../telemetry/spans.js";

export type { Logger };

/**
 * Structured JSON logs. Headers that carry credentials are redacted wherever they appear, and
 * nothing in this codebase logs names, CIN or phone numbers: logs hold request ids, operation
 * names and error codes only. IDCS appear only in the audit trail.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The recorded trace a line was written in, so that logs and traces meet (nothing when off).
    mixin: () => {
      const traceId = currentTraceId();
      return traceId ? { traceId } : {};
    },
    redact: {
      paths: ["authorization", "*.authorization", "*.headers.authorization", "token", "*.token"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
