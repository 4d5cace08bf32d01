import type { RequestContext } from "@spx/runtime/server";
import type { AccessLogProofs } from "./access-log/proof-bundle.js";
import type { AccessLogStore } from "./access-log/store.js";
import type { OperationCost } from "./edge/demand-control.js";
import type { Admission } from "./edge/rate-limits.js";

/**
 * What the gateway knows about a request: the verified caller with the purpose they stated, their
 * grant, the request id, the persons served so far, and the access log (absent only when it is
 * switched off for a benchmark). It serves no register's statistics, so it has no statistics reader.
 */
export interface GatewayContext extends Omit<RequestContext, "statistics"> {
  accessLog: AccessLogStore | undefined;
  /** The log's tree and checkpoints, for the entries' proofs (absent with the log off). */
  accessLogProofs?: AccessLogProofs | undefined;
  /** Aborts at the request's deadline or when its client goes away; subgraph calls stop with it. */
  signal?: AbortSignal;
  /** The caller's rate limits as the request was admitted, for the answer's RateLimit fields. */
  rateLimit?: Admission | undefined;
  /** Demand control's figures, once the operation is resolved (for the access log and metrics). */
  cost?: OperationCost;
}

/**
 * A request to a gateway with authentication off (benchmarks only): nobody is known, so there is
 * no grant to authorize against, no caller to account for, and no caller to vouch for to a subgraph.
 */
export type AnonymousContext = Omit<GatewayContext, "caller" | "access"> & { caller?: undefined; access?: undefined };

/** What the gateway serves a request with: a verified caller, or nobody (authentication off). */
export type ServedContext = GatewayContext | AnonymousContext;
