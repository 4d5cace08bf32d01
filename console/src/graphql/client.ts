import { Client, cacheExchange, fetchExchange, mapExchange } from "@urql/core";
import type { Session } from "../session/session-store.js";
import { trustedDocumentsExchange } from "./trusted-documents-exchange.js";

/**
 * One client per session: its token and purpose go with every request, and signing out drops the
 * client with its cache, so that nothing read under one grant is shown under another.
 */
export function createGraphqlClient(session: Session, onUnauthorized: () => void): Client {
  return new Client({
    url: "/graphql",
    // POST only: a GET would put variables (an IDCS, a CIN) in URLs and proxy logs.
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        // Always sent: an identity provider's token may name no purpose; harmless when it does.
        "x-purpose": session.purpose,
      },
    }),
    exchanges: [
      // Before the cache: it rewrites documents and would drop the hash codegen embedded.
      trustedDocumentsExchange,
      cacheExchange,
      mapExchange({
        onError(error) {
          if (error.response?.status === 401) {
            onUnauthorized();
          }
        },
      }),
      fetchExchange,
    ],
  });
}
