import type { RequestContext } from "@spx/runtime/subgraph-server";

/** What the gateway knows about a request: the verified caller, their grant, the request id. */
export type GatewayContext = RequestContext;
