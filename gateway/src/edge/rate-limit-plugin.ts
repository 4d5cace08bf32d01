import type { ApolloServerPlugin } from "@apollo/server";
import type { ServedContext } from "../context.js";
import { rateLimitHeaders } from "./rate-limit-headers.js";

/** Answers that were admitted carry the caller's RateLimit fields too (refusals carry theirs already). */
export function rateLimitHeadersPlugin(): ApolloServerPlugin<ServedContext> {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ contextValue, response }) => {
        for (const [name, value] of rateLimitHeaders(contextValue.rateLimit?.states ?? [])) {
          response.http.headers.set(name, value);
        }
      },
    }),
  };
}
