import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { SERVED_PERSONS } from "@spx/runtime/access-trail";
import { signInternalToken } from "@spx/runtime/internal-token";
import type { SigningKey } from "@spx/runtime/keys";
import { GraphQLError } from "graphql";
import type { ServedContext } from "./context.js";

type FetchedResponse = Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0];
type Received = Parameters<NonNullable<RemoteGraphQLDataSource<ServedContext>["didReceiveResponse"]>>[0];

/**
 * Calls one subgraph on behalf of the caller. The caller's own token never leaves the gateway:
 * each subgraph receives a short-lived token the gateway signs for that subgraph and that document
 * alone, carrying the caller's verified claims and the request id.
 */
export class SubgraphClient extends RemoteGraphQLDataSource<ServedContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly signingKey: SigningKey,
    fetcher: SubgraphClient["fetcher"],
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<ServedContext>) {
    const headers = request.http?.headers;
    // Health checks and schema loads carry no caller, nor does a request with authentication off
    // (benchmarks): no token is sent, and only a subgraph in bench mode answers.
    if (!headers || !("caller" in context) || !context.caller) {
      return;
    }
    // A subgraph accepts a token only with the document and variables it was signed for.
    const token = signInternalToken(this.signingKey, this.subgraph, {
      caller: context.caller,
      requestId: context.requestId,
      request: { query: request.query ?? "", variables: request.variables },
    });
    headers.set("authorization", `Bearer ${await token}`);
    headers.set("x-request-id", context.requestId);
  }

  /**
   * A register lists, beside its answer, the persons it served data about: they go to the request's
   * trail, for the access log, and never on to the client.
   */
  override didReceiveResponse({ response, context }: Received): Received["response"] {
    const served = response.extensions?.[SERVED_PERSONS];
    if (response.extensions && served !== undefined) {
      delete response.extensions[SERVED_PERSONS];
      if (Array.isArray(served) && "trail" in context && context.trail) {
        context.trail.add(served.filter((idcs): idcs is string => typeof idcs === "string"));
      }
    }
    return response;
  }

  /**
   * A subgraph refuses a request it cannot parse (bad variables, e.g. a malformed amount) with an
   * HTTP 400 and a typed GraphQL error: relay that error as is. Anything else that is not a
   * success says the register is not answering properly; the client learns only which one.
   */
  override async errorFromResponse(response: FetchedResponse): Promise<GraphQLError> {
    const body = (await this.parseBody(response)) as {
      errors?: { message?: string; extensions?: Record<string, unknown> }[];
    };
    const first = typeof body === "object" && body !== null ? body.errors?.[0] : undefined;
    if (response.status === 400 && first?.message) {
      return new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.subgraph } });
    }
    return new GraphQLError(`The ${this.subgraph} register did not answer properly`, {
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: this.subgraph, status: response.status },
    });
  }
}
