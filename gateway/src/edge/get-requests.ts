import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ClientRequestError } from "./client-errors.js";

/**
 * Whether a GET names a persisted document (`documentId`, or Apollo's `persistedQuery` extension)
 * rather than carrying a free-form query.
 */
export function namesPersistedDocument(search: string): boolean {
  const params = new URLSearchParams(search);
  if (params.get("documentId")) {
    return true;
  }
  const extensions = params.get("extensions");
  if (!extensions) {
    return false;
  }
  try {
    const parsed: unknown = JSON.parse(extensions);
    return typeof parsed === "object" && parsed !== null && "persistedQuery" in parsed;
  } catch {
    return false;
  }
}

/**
 * In production a GET runs persisted documents only. A GET's query sits in the URL, where proxies,
 * browser history and access logs keep it, and `apollo-require-preflight` is all CSRF prevention
 * asks of it; a free-form query reading personal data has no business there. Refused after the
 * operation is resolved and before anything is planned or read.
 */
export function refuseFreeFormGetInProduction<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== "GET" || namesPersistedDocument(request.http.search)) {
        return;
      }
      return {
        async didResolveOperation() {
          throw new ClientRequestError(
            "FREE_FORM_GET_REFUSED",
            "In production a GET request runs persisted documents only (documentId); send other operations with POST",
            405,
            { allow: "POST" },
          );
        },
      };
    },
  };
}
