import type { RequestContext } from "@spx/runtime/subgraph-server";
import type { AccessLogStore } from "./access-log/store.js";

/**
 * What the gateway knows about a request: the verified caller with the purpose they stated, their
 * grant, the request id, the persons served so far, and the access log (absent only when it is
 * switched off for a benchmark).
 */
export interface GatewayContext extends RequestContext {
  accessLog: AccessLogStore | undefined;
}
