import type { DocumentStore } from "@apollo/server";
import type { DocumentNode } from "graphql";
import { LRUCache } from "lru-cache";

/**
 * Heap a parsed document holds per byte of its text, measured on graphql 16 (the AST with its
 * token list): 80 to 100. Apollo's default store counts its JSON instead, about 20 per byte, so
 * its 30 MiB bound lets some 150 MiB through.
 */
export const HEAP_BYTES_PER_SOURCE_BYTE = 100;

/** A parsed document's heap, estimated from the text it was parsed from. */
export function documentHeapBytes(document: DocumentNode): number {
  const sourceBytes = document.loc?.end ?? JSON.stringify(document).length / 20;
  return Math.max(1, Math.ceil(sourceBytes * HEAP_BYTES_PER_SOURCE_BYTE));
}

/** Apollo's parsed and validated documents, bounded by entries and by estimated heap. */
export function boundedDocumentStore(options: { max: number; maxBytes: number }): DocumentStore & {
  readonly bytes: number;
  readonly size: number;
} {
  const cache = new LRUCache<string, DocumentNode>({
    max: options.max,
    maxSize: options.maxBytes,
    sizeCalculation: documentHeapBytes,
  });
  return {
    get: async (key) => cache.get(key),
    set: async (key, value) => {
      // A document larger than the whole bound is parsed again next time rather than evict all.
      if (documentHeapBytes(value) <= options.maxBytes) {
        cache.set(key, value);
      }
    },
    delete: async (key) => cache.delete(key),
    get bytes() {
      return cache.calculatedSize;
    },
    get size() {
      return cache.size;
    },
  };
}
