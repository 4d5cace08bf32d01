import { createHash } from "node:crypto";

/**
 * A trusted document's id: the lowercase hex SHA-256 of its exact UTF-8 text. Apollo's manifests
 * write it bare; GraphQL-over-HTTP and codegen write it `sha256:`-prefixed. Both name the same
 * document, so ids are compared in their bare form only.
 */
export type DocumentId = string & { readonly __documentId: unique symbol };

const BARE = /^[0-9a-f]{64}$/;

export function documentIdOf(text: string): DocumentId {
  return createHash("sha256").update(text, "utf8").digest("hex") as DocumentId;
}

/** The bare id, or undefined when `raw` is not a SHA-256 id in either spelling. */
export function normaliseDocumentId(raw: string): DocumentId | undefined {
  const lower = raw.toLowerCase();
  const bare = lower.startsWith("sha256:") ? lower.slice("sha256:".length) : lower;
  return BARE.test(bare) ? (bare as DocumentId) : undefined;
}

/** Whether `raw` is the bare, lowercase id (as manifests must store it). */
export function isBareDocumentId(raw: string): raw is DocumentId {
  return BARE.test(raw);
}
