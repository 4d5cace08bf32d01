import { ClientDisconnected } from "@spx/runtime/server";

/**
 * The signal a request's subgraph calls run under: it aborts when the client goes away (the HTTP
 * layer's signal) or when the request's deadline passes, whichever comes first.
 */
export function requestSignal(disconnected: AbortSignal, timeoutMs: number): AbortSignal {
  return AbortSignal.any([disconnected, AbortSignal.timeout(timeoutMs)]);
}

/** Why a request's signal aborted, once it has. */
export function abortCause(signal: AbortSignal): "CANCELLED" | "DEADLINE" {
  return signal.reason instanceof ClientDisconnected ? "CANCELLED" : "DEADLINE";
}
