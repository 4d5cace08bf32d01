import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { outcomeUnknown, transientCondition } from "../database/transient-error.js";
import { currentRequestId } from "../server/http-server.js";
import { currentTraceId } from "../telemetry/spans.js";

/** Every error a client may act on carries a stable `extensions.code`. */
export class DomainError extends GraphQLError {
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = "DomainError";
  }

  get code(): string {
    return String(this.extensions.code);
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Input that breaks a rule; lists every problem found, not just the first. `message` replaces the
 * one made from the problems where a field has long been refused in words of its own.
 */
export class ValidationError extends DomainError {
  constructor(
    readonly problems: FieldProblem[],
    message = problems.length === 1
      ? `Invalid ${problems[0]?.field}: ${problems[0]?.message}`
      : `Invalid input: ${problems.map((p) => p.field).join(", ")}`,
  ) {
    super("BAD_USER_INPUT", message, { problems });
  }
}

/** A page cursor this field did not issue. */
export class BadCursorError extends DomainError {
  constructor(message: string) {
    super("BAD_CURSOR", message);
  }
}

/**
 * The population register records the person (or, with `idcs`, one of the members) as deceased:
 * raised by the population register itself and by the registers that ask it.
 */
export class PersonDeceasedError extends DomainError {
  constructor(idcs?: string[]) {
    super(
      "PERSON_DECEASED",
      idcs ? "A member is recorded as deceased in the population register" : "This person is recorded as deceased",
      idcs ? { idcs } : {},
    );
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request");
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super("NOT_FOUND", `${what} not found`);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = "Authentication required") {
    super("UNAUTHENTICATED", message, { http: { status: 401 } });
  }
}

/** Refuses one field or operation; the rest of the response still stands (HTTP 200). */
export class ForbiddenError extends DomainError {
  constructor(message = "Not allowed") {
    super("FORBIDDEN", message);
  }
}

/**
 * Masks anything that is not a deliberate GraphQL error, so that stack traces, SQL and internal
 * messages never reach a client. Deliberate errors are GraphQLErrors raised on purpose: domain
 * errors, GraphQL validation and coercion errors, and errors a subgraph already formatted. A plain
 * exception (a driver error, a bug) is replaced by INTERNAL_SERVER_ERROR and reported through
 * `onUnexpected`, except a transient database condition (no connection in time, a lost conflict):
 * nothing was done, so the client is told REGISTER_BUSY and that it may retry. When the database
 * stopped answering mid-statement, a write may have taken effect: still REGISTER_BUSY, but with
 * `outcome: "UNKNOWN"` and no promise that nothing was done.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onUnexpected: (error: unknown) => void,
  onBusy: (condition: string) => void = () => {},
): GraphQLFormattedError {
  let deliberate: GraphQLError | undefined;
  let original: unknown = error;
  while (original instanceof GraphQLError) {
    deliberate = original;
    original = original.originalError;
  }
  // What lies under the last GraphQLError decides: nothing (raised on purpose) or a plain object
  // (an error a subgraph already formatted, relayed by the gateway) passes; an exception does not.
  // The trace id (when the request is traced) finds the request's spans from the answer.
  const traceId = currentTraceId();
  if (deliberate && !(original instanceof Error)) {
    const {
      http: _http,
      stacktrace: _stacktrace,
      exception: _exception,
      ...extensions
    } = {
      ...formatted.extensions,
      ...deliberate.extensions,
    };
    return {
      message: deliberate.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        ...extensions,
        code: extensions.code ?? "INTERNAL_SERVER_ERROR",
        ...(traceId ? { traceId } : {}),
      },
    };
  }
  // The request id lets support find the logged cause of an error the client cannot see.
  const requestId = currentRequestId();
  const busy = transientCondition(original);
  if (busy) {
    onBusy(busy);
    const unknown = outcomeUnknown(busy);
    return {
      message: unknown
        ? "The register's database did not answer in time; a write may or may not have been made: send it again with the same idempotency key"
        : "The register is busy and did nothing with this request; try again (a write with the same idempotency key)",
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: "REGISTER_BUSY",
        retryable: true,
        ...(unknown ? { outcome: "UNKNOWN" } : {}),
        ...(requestId ? { requestId } : {}),
        ...(traceId ? { traceId } : {}),
      },
    };
  }
  onUnexpected(original);
  return {
    message: "Internal server error",
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: "INTERNAL_SERVER_ERROR",
      ...(requestId ? { requestId } : {}),
      ...(traceId ? { traceId } : {}),
    },
  };
}
