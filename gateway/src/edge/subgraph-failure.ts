import { GraphQLError } from "graphql";
import { abortCause } from "./request-deadline.js";

/**
 * Why a subgraph gave no usable answer, as a client may be told it: nothing here names a URL or
 * repeats what the subgraph sent.
 * - TIMEOUT: no answer within the subgraph's timeout.
 * - UNREACHABLE: the connection failed (refused, reset, not a GraphQL answer).
 * - BAD_RESPONSE: an HTTP error status.
 * - CIRCUIT_OPEN: recent calls failed, so the gateway did not call it at all.
 * - DEADLINE: the request's own deadline passed first.
 * - CANCELLED: the client went away (nobody reads this answer; kept for the log).
 */
export type FailureReason = "TIMEOUT" | "UNREACHABLE" | "BAD_RESPONSE" | "CIRCUIT_OPEN" | "DEADLINE" | "CANCELLED";

/**
 * A failed subgraph call; `counts` says whether it speaks against the subgraph's health, `sent`
 * whether the request left the gateway (so that a mutation may have been carried out).
 */
export class SubgraphFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly counts: boolean,
    options: { cause?: unknown; sent?: boolean } = {},
  ) {
    super(`subgraph call failed: ${reason}`, { cause: options.cause });
    this.name = "SubgraphFailure";
    this.sent = options.sent ?? true;
  }

  readonly sent: boolean;
}

/**
 * Sorts what a subgraph call threw. A GraphQL error the subgraph meant (a 400 with a typed error)
 * is not a failure and is returned as is, to be relayed; so is an error we cannot place.
 */
export function classifyFailure(
  error: unknown,
  signals: { request: AbortSignal | undefined; call: AbortSignal },
): SubgraphFailure | GraphQLError {
  if (signals.request?.aborted) {
    // The client's own deadline or disconnect: no fault of the subgraph's.
    return new SubgraphFailure(abortCause(signals.request), false, { cause: error });
  }
  if (signals.call.aborted) {
    return new SubgraphFailure("TIMEOUT", true, { cause: error });
  }
  if (error instanceof GraphQLError) {
    if (error.extensions.code !== "SUBGRAPH_UNAVAILABLE") {
      return error;
    }
    // A 4xx says the gateway's request was refused (a token, a size limit), not that the subgraph is unwell.
    const status = typeof error.extensions.status === "number" ? error.extensions.status : 500;
    return new SubgraphFailure("BAD_RESPONSE", status >= 500, { cause: error });
  }
  // A refused connection is the one failure known to have happened before anything was sent.
  return new SubgraphFailure("UNREACHABLE", true, { cause: error, sent: !refused(error) });
}

function refused(error: unknown): boolean {
  // By shape, not `instanceof`: the error may come from another realm (undici's own).
  let current: unknown = error;
  for (let depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (code === "ECONNREFUSED") {
      return true;
    }
    current = cause;
  }
  return false;
}
