import { type Exchange, makeOperation, mapExchange } from "@urql/core";

/*
 * The console runs under trusted-only grants: it never sends a document's text, only the id codegen
 * computed from it (sha256 of the exact text registered in schema/trusted-documents/), as Apollo's
 * `extensions.persistedQuery`, which the gateway resolves before parsing
 * (gateway/src/edge/persisted-request.ts). urql then leaves `query` out of the body.
 */
interface HashedDocument {
  __meta__?: { hash?: unknown };
}

export class UnregisteredDocumentError extends Error {
  override name = "UnregisteredDocumentError";
}

/** The bare SHA-256 codegen embedded in a document ("sha256:<hex>" → "<hex>"). */
export function documentHash(document: unknown): string {
  const hash = (document as HashedDocument).__meta__?.hash;
  if (typeof hash !== "string" || !/^sha256:[0-9a-f]{64}$/.test(hash)) {
    throw new UnregisteredDocumentError(
      "A GraphQL document without codegen's sha256: write it in a .graphql file and run the console's codegen",
    );
  }
  return hash.slice("sha256:".length);
}

export const trustedDocumentsExchange: Exchange = mapExchange({
  onOperation(operation) {
    if (operation.kind === "teardown") {
      return operation;
    }
    return makeOperation(operation.kind, {
      ...operation,
      extensions: {
        ...operation.extensions,
        persistedQuery: { version: 1, sha256Hash: documentHash(operation.query) },
      },
    });
  },
});
