import type { ServerResponse } from "node:http";
import type { Catalogue } from "@spx/runtime/access";
import { sendJson } from "@spx/runtime/server";
import { bodyCeiling, limitCeilings } from "./ceilings.js";
import { boundedDocumentStore } from "./document-store.js";
import { limitExceededBody } from "./limit-exceeded.js";
import { operationLimitsPlugin } from "./operation-limits.js";
import { ShapeCache } from "./shape-cache.js";

/** Parsed documents kept: a fleet's distinct operations, at most 64 MiB of heap. */
const DOCUMENTS_MAX = 5_000;
const DOCUMENTS_MAX_BYTES = 64 * 1024 * 1024;
/**
 * @apollo/gateway's query plans, in its own measure: their JSON, which is about a sixth of their
 * heap (measured on this supergraph, 300 person-360 plans). 8 "MiB" is some 50 MiB of heap; its
 * default of 30 would be some 180.
 */
export const QUERY_PLAN_STORE_MIB = 8;

/**
 * Everything the gateway needs to hold requests to the operation limits: the plugin checking each
 * operation against its caller's grant, and the hard ceilings (the most any grant allows) applied
 * before a body is read as JSON or a document parsed, with bounded caches for what is kept.
 */
export function edgeLimits(catalogue: Catalogue) {
  const ceilings = limitCeilings(catalogue);
  const maxBodyBytes = bodyCeiling(ceilings);
  const shapes = new ShapeCache();
  const documentStore = boundedDocumentStore({ max: DOCUMENTS_MAX, maxBytes: DOCUMENTS_MAX_BYTES });
  return {
    ceilings,
    shapes,
    documentStore,
    documentStoreMaxBytes: DOCUMENTS_MAX_BYTES,
    plugin: operationLimitsPlugin({ defaults: catalogue.edge.limits, shapes }),
    parseOptions: { maxTokens: ceilings.tokens },
    /** A document over the largest any grant allows is refused before Apollo hashes or parses it. */
    screen: (body: unknown) => {
      const query = typeof body === "object" && body !== null ? (body as { query?: unknown }).query : undefined;
      if (typeof query === "string" && Buffer.byteLength(query, "utf8") > ceilings.documentBytes) {
        return {
          status: 400,
          body: limitExceededBody(
            "documentBytes",
            ceilings.documentBytes,
            `The operation exceeds the documentBytes limit of ${ceilings.documentBytes}`,
          ),
        };
      }
      return undefined;
    },
    bodyLimit: {
      maxBytes: maxBodyBytes,
      refuse: (res: ServerResponse) =>
        sendJson(
          res,
          400,
          limitExceededBody(
            "documentBytes",
            ceilings.documentBytes,
            `The request body exceeds ${maxBodyBytes} bytes, room for a document of at most ${ceilings.documentBytes}`,
          ),
        ),
    },
  };
}
