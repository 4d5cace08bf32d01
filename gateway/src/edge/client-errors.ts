import { type ApolloServerPlugin, type BaseContext, HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * A client mistake Apollo Server would otherwise hand to the gateway executor, which then fails
 * with an untyped error answered as 500. Raised in `didResolveOperation`, it is answered with its
 * own status and code before anything is planned.
 */
export class ClientRequestError extends GraphQLError {
  constructor(code: string, message: string, status = 400, headers: Record<string, string> = {}) {
    super(message, { extensions: { code, http: { status, headers: new HeaderMap(Object.entries(headers)) } } });
    this.name = "ClientRequestError";
  }
}

/**
 * Refuses documents that name no operation the gateway can run: an unknown `operationName`,
 * several operations without one, and subscriptions (the graph serves none).
 */
export function clientErrorsPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) {
            throw request.operationName
              ? new ClientRequestError(
                  "OPERATION_RESOLUTION_FAILURE",
                  `The document has no operation named "${request.operationName.slice(0, 100)}"`,
                )
              : new ClientRequestError(
                  "OPERATION_RESOLUTION_FAILURE",
                  "The document holds several operations: name the one to run in operationName",
                );
          }
          if (operation.operation === "subscription") {
            throw new ClientRequestError(
              "SUBSCRIPTION_NOT_SUPPORTED",
              "This graph serves no subscriptions: send a query or a mutation",
            );
          }
        },
      };
    },
  };
}
