import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { signInternalToken } from "@spx/runtime/internal-token";
import type { SigningKey } from "@spx/runtime/keys";
import type { GatewayContext } from "./context.js";

/**
 * Calls one subgraph on behalf of the caller. The caller's own token never leaves the gateway:
 * each subgraph receives a short-lived token the gateway signs for that subgraph alone, carrying
 * the caller's verified claims and the request id.
 */
export class SubgraphClient extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly signingKey: SigningKey,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const headers = request.http?.headers;
    // Health checks and schema loads carry no caller context; they are not forwarded.
    if (!headers || !("caller" in context) || !context.caller) {
      return;
    }
    let token = context.subgraphTokens.get(this.subgraph);
    if (!token) {
      token = signInternalToken(this.signingKey, this.subgraph, {
        caller: context.caller,
        requestId: context.requestId,
      });
      context.subgraphTokens.set(this.subgraph, token);
    }
    headers.set("authorization", `Bearer ${await token}`);
    headers.set("x-request-id", context.requestId);
  }
}
