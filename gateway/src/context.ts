import type { RequestContext } from "@spx/runtime/subgraph-server";

export interface GatewayContext extends RequestContext {
  /** One internal token per subgraph and document per request, signed on first use. */
  subgraphTokens: Map<string, Promise<string>>;
}
