import { HeaderMap } from "@apollo/server";
import { DomainError } from "@spx/runtime/errors";
import { type LimitState, rateLimitHeaders, secondsUntil } from "./rate-limit-headers.js";

/**
 * A request refused by a rate limit, before anything was parsed or read: HTTP 429 with
 * `Retry-After` and the RateLimit fields of the limits it broke. Apollo Server takes the status
 * and headers from `extensions.http` of an error thrown while building the context.
 */
export class RateLimitedError extends DomainError {
  constructor(violated: readonly LimitState[]) {
    // The limit named first is the one that decides when to come back.
    const ordered = [...violated].sort((a, b) => b.msBeforeReset - a.msBeforeReset);
    const retryAfter = secondsUntil(ordered[0]?.msBeforeReset ?? 1000);
    const headers = new HeaderMap([["retry-after", String(retryAfter)], ...rateLimitHeaders(ordered)]);
    const names = ordered.map((s) => s.name);
    super(
      "RATE_LIMITED",
      `Too many ${names.includes("persons") ? "persons read" : "requests"}; retry after ${retryAfter} s`,
      {
        limit: names[0],
        limits: names,
        retryAfter,
        http: { status: 429, headers },
      },
    );
  }
}
