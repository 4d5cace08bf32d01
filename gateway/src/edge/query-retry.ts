import { type DocumentNode, GraphQLError, Kind } from "graphql";
import { SubgraphFailure } from "./subgraph-failure.js";

/*
 * When a register runs as several replicas behind a balancer, a replica that dies (or is killed by
 * an orchestrator) while it serves a gateway call leaves that call without an answer: the balancer
 * cannot replay it elsewhere, because the request carries a single-use gateway token that the dead
 * replica may already have spent in the shared replay guard (the other replica would refuse it,
 * rightly). The gateway can: it asks once more, and `willSendRequest` signs a fresh token for the
 * new attempt. Only a query's fetch is asked again, since reading twice changes nothing; a mutation's
 * fetch is not, because it may have been carried out: its client decides, with its idempotency key.
 * And only failures that say nothing about the query itself: the connection failed or was cut; the
 * balancer answered 502 (the replica gave no answer) or 503 (none was available, or the one chosen
 * was draining); or 401, which a register answers to a gateway token only when it was already spent:
 * a balancer that replays a request whose replica died (HAProxy's `retry-on empty-response`) sends
 * the dead replica's spent token to another, which refuses it. A timeout is not asked again: the request's deadline would not allow a
 * second wait, and a slow register is not helped by more load.
 */

/** Attempts of one query fetch, the first included. */
export const QUERY_FETCH_ATTEMPTS = 2;

const RETRIED_STATUSES = new Set([401, 502, 503]);

/** Whether a subgraph fetch is a query (the planner writes each fetch as one operation). */
export function isQueryFetch(document: DocumentNode | undefined, text: string | undefined): boolean {
  if (document) {
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    return operations.length > 0 && operations.every((d) => d.operation === "query");
  }
  // Without a parsed document, the text: a query's fetch begins with `query` or a bare selection.
  return text !== undefined && /^\s*(query\b|\{)/.test(text);
}

/** Whether a failed query fetch is worth a second attempt with a fresh token (see above). */
export function worthAskingAgain(failure: unknown): boolean {
  if (!(failure instanceof SubgraphFailure)) {
    return false;
  }
  if (failure.reason === "UNREACHABLE") {
    return true;
  }
  if (failure.reason !== "BAD_RESPONSE" || !(failure.cause instanceof GraphQLError)) {
    return false;
  }
  const status = failure.cause.extensions.status;
  return typeof status === "number" && RETRIED_STATUSES.has(status);
}

/**
 * Runs `attempt`, and once more after a failure worth it, unless `signal` has ended the call;
 * `onRetry` hears of each failure asked again.
 */
export async function askingAgain<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  onRetry?: (failure: SubgraphFailure) => void,
): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (failure) {
      if (made >= QUERY_FETCH_ATTEMPTS || signal.aborted || !worthAskingAgain(failure)) {
        throw failure;
      }
      onRetry?.(failure as SubgraphFailure);
    }
  }
}
