/**
 * One limit as the IETF RateLimit fields describe it (draft-ietf-httpapi-ratelimit-headers-10):
 * a named policy with its quota per window, and what is left of it now.
 */
export interface LimitState {
  /** `grant`, `subject` or `persons`: the policy name clients see. */
  name: LimitName;
  /** Requests (or persons) allowed per window. */
  quota: number;
  windowSeconds: number;
  /** Left in the current window (0 when refused). */
  remaining: number;
  /** Until the current window ends. */
  msBeforeReset: number;
}

export type LimitName = "grant" | "subject" | "persons";

/** Whole seconds, rounded up so that a client waiting that long is never early; at least 1. */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * `RateLimit-Policy` and `RateLimit` as Structured-Field lists. Persons are not requests, so that
 * policy names its own quota unit with a vendor-prefixed parameter (the draft allows only its
 * registered `qu` values).
 */
export function rateLimitHeaders(states: readonly LimitState[]): [string, string][] {
  if (states.length === 0) {
    return [];
  }
  const policy = states
    .map((s) => `"${s.name}";q=${s.quota};w=${s.windowSeconds}${s.name === "persons" ? ';spx-qu="persons"' : ""}`)
    .join(", ");
  const current = states
    .map((s) => `"${s.name}";r=${Math.max(0, s.remaining)};t=${secondsUntil(s.msBeforeReset)}`)
    .join(", ");
  return [
    ["ratelimit-policy", policy],
    ["ratelimit", current],
  ];
}
