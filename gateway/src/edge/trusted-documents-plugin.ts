import type { ApolloServerPlugin } from "@apollo/server";
import { trustedOnly } from "@spx/runtime/access";
import { DomainError } from "@spx/runtime/errors";
import type { ServedContext } from "../context.js";
import type { DocumentId } from "./document-id.js";
import type { PersistedRequests } from "./persisted-request.js";
import { manifestOwner, type TrustedDocuments } from "./trusted-documents.js";

/** A trusted-only grant sent a document that is not registered. */
export class PersistedDocumentRequiredError extends DomainError {
  constructor() {
    super(
      "PERSISTED_DOCUMENT_REQUIRED",
      "This grant is served registered documents only: send the document's id (documentId: sha256:<hex>)",
      { http: { status: 400 } },
    );
  }
}

/** A registered document, but not in the manifest of the caller's agency (or of citizens). */
export class PersistedDocumentNotAllowedError extends DomainError {
  constructor() {
    super("PERSISTED_DOCUMENT_NOT_ALLOWED", "This document is not registered for your agency", {
      http: { status: 403 },
    });
  }
}

/**
 * Runs once the operation is known and the caller authenticated, so that it can weigh the
 * document against the caller's grant: a trusted-only grant is served documents registered in its
 * own agency's manifest only, whether named by id or sent as their exact text; any grant that
 * names a document by id must name one of its own agency's. Free text from other grants passes.
 */
export function trustedDocumentsPlugin(options: {
  documents: TrustedDocuments;
  requests: PersistedRequests;
  production: boolean;
}): ApolloServerPlugin<ServedContext> {
  const { documents, requests, production } = options;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, request, queryHash }) {
          const { caller, access } = contextValue;
          if (!caller || !access) {
            // Authentication off (benchmarks): there is no grant to weigh the document against.
            return;
          }
          const byId = requests.servedById(request.http);
          if (!byId && !trustedOnly(access, production)) {
            return;
          }
          // Apollo's queryHash is the SHA-256 of the text it parsed: the id, for a registered document.
          const registered = byId ?? documents.get(queryHash as DocumentId);
          if (!registered) {
            throw new PersistedDocumentRequiredError();
          }
          const owner = manifestOwner(caller);
          if (!owner || !registered.owners.has(owner)) {
            throw new PersistedDocumentNotAllowedError();
          }
        },
      };
    },
  };
}
