import type { OperationLimit } from "@spx/runtime/access";
import { GraphQLError } from "graphql";

export const OPERATION_LIMIT_EXCEEDED = "OPERATION_LIMIT_EXCEEDED";

/**
 * A request over one of its grant's operation limits: HTTP 400, nothing planned or fetched. It
 * names the limit and what the grant allows, so a client can fix its document; the measured value
 * is left out, so that probing the counting rules teaches nothing more than the catalogue says.
 */
export function limitExceeded(limit: OperationLimit, allowed: number, message?: string): GraphQLError {
  return new GraphQLError(message ?? `The operation exceeds the ${limit} limit of ${allowed}`, {
    extensions: { code: OPERATION_LIMIT_EXCEEDED, limit, allowed, http: { status: 400 } },
  });
}

/** The same refusal as a JSON body, for the HTTP layer that refuses before Apollo reads anything. */
export function limitExceededBody(limit: OperationLimit, allowed: number, message: string) {
  return { errors: [{ message, extensions: { code: OPERATION_LIMIT_EXCEEDED, limit, allowed } }] };
}
