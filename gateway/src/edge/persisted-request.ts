import type { HTTPGraphQLRequest } from "@apollo/server";
import type { PreparedRequest } from "@spx/runtime/server";
import { type DocumentId, documentIdOf, normaliseDocumentId } from "./document-id.js";
import type { TrustedDocument, TrustedDocuments } from "./trusted-documents.js";

/*
 * A request may name its document instead of sending it: GraphQL-over-HTTP's `documentId` (body
 * or query string) or Apollo's `extensions.persistedQuery.sha256Hash`. The id is turned into the
 * registered text here, at the HTTP layer, so that Apollo parses, validates and caches exactly what
 * was reviewed; Apollo's own APQ cache is off, so nothing a client sends is ever remembered.
 */

type Json = Record<string, unknown>;
type Refusal = Extract<PreparedRequest, { refused: unknown }>;

function refusal(status: number, code: string, message: string, headers?: Record<string, string>): Refusal {
  return {
    refused: { status, body: { errors: [{ message, extensions: { code } }] }, ...(headers ? { headers } : {}) },
  };
}

const badRequest = (message: string) => refusal(400, "BAD_REQUEST", message);

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a request says about its document, wherever it says it. */
interface Named {
  query: string | undefined;
  documentId: unknown;
  extensions: Json | undefined;
}

function namedInBody(body: Json): Named {
  return {
    query: typeof body.query === "string" ? body.query : undefined,
    documentId: body.documentId,
    extensions: isRecord(body.extensions) ? body.extensions : undefined,
  };
}

function namedInSearch(params: URLSearchParams): Named | Refusal {
  const ids = params.getAll("documentId");
  if (ids.length > 1) {
    return badRequest("documentId may be given once");
  }
  const extensions = params.get("extensions");
  let parsed: unknown;
  if (extensions !== null) {
    try {
      parsed = JSON.parse(extensions);
    } catch {
      return badRequest("extensions must be JSON");
    }
  }
  return {
    query: params.get("query") ?? undefined,
    documentId: ids[0],
    extensions: isRecord(parsed) ? parsed : undefined,
  };
}

/** The one id the request names, if any; a refusal when it names it badly or names two. */
function requestedId({ documentId, extensions }: Named): DocumentId | undefined | Refusal {
  const ids: DocumentId[] = [];
  if (documentId !== undefined && documentId !== null) {
    const id = typeof documentId === "string" ? normaliseDocumentId(documentId) : undefined;
    if (!id) {
      return badRequest("documentId must be sha256: followed by the 64 hex digits of the document's SHA-256");
    }
    ids.push(id);
  }
  const persisted = extensions?.persistedQuery;
  if (persisted !== undefined) {
    if (!isRecord(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== "string") {
      return badRequest("extensions.persistedQuery must be { version: 1, sha256Hash: <64 hex digits> }");
    }
    const id = normaliseDocumentId(persisted.sha256Hash);
    if (!id) {
      return badRequest("extensions.persistedQuery.sha256Hash must be the 64 hex digits of a SHA-256");
    }
    ids.push(id);
  }
  if (ids.length === 2 && ids[0] !== ids[1]) {
    return badRequest("documentId and extensions.persistedQuery.sha256Hash name different documents");
  }
  return ids[0];
}

function withoutPersistedQuery(extensions: Json | undefined): Json | undefined {
  if (!extensions) {
    return undefined;
  }
  const { persistedQuery: _id, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function isRefusal(value: Named | DocumentId | undefined | Refusal): value is Refusal {
  return typeof value === "object" && "refused" in value;
}

/**
 * Resolves document ids into registered text before Apollo sees the request, and remembers which
 * requests were served by id (for the grant's check, which needs the caller, after parsing).
 */
export class PersistedRequests {
  private readonly byId = new WeakMap<HTTPGraphQLRequest, TrustedDocument>();

  constructor(
    private readonly documents: TrustedDocuments,
    /** In production GET serves registered documents by id only. */
    private readonly production: boolean,
  ) {}

  /** The registered document a request was resolved to from its id; undefined for free text. */
  servedById(request: HTTPGraphQLRequest | undefined): TrustedDocument | undefined {
    return request ? this.byId.get(request) : undefined;
  }

  readonly prepare = (request: HTTPGraphQLRequest): PreparedRequest => {
    const get = request.method === "GET";
    if (!get && !isRecord(request.body)) {
      // A batch, a string or nothing: Apollo answers these itself.
      return { request };
    }
    // Parsed for GET only: a POST's query string is not read (and this runs on every request).
    const params = new URLSearchParams(get ? request.search : "");
    const named = get ? namedInSearch(params) : namedInBody(request.body as Json);
    if (isRefusal(named)) {
      return named;
    }
    if (get && this.production && params.has("query")) {
      // A free-form document in a URL puts whatever it names (identifiers, too) in proxy logs.
      return refusal(
        400,
        "PERSISTED_DOCUMENT_REQUIRED",
        "In production GET serves registered documents by documentId only; send other documents by POST",
      );
    }
    const id = requestedId(named);
    if (id === undefined || isRefusal(id)) {
      return id ?? { request };
    }
    const registered = this.documents.get(id);
    if (named.query !== undefined) {
      // An APQ client sends the text with its hash after a miss: served as text, if it is that text.
      if (documentIdOf(named.query) !== id) {
        return refusal(400, "PERSISTED_QUERY_HASH_MISMATCH", "The document's SHA-256 is not the id sent with it");
      }
      return { request: this.rewritten(request, params, named, named.query, registered) };
    }
    if (!registered) {
      return refusal(404, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound: no registered document has this id");
    }
    if (get && registered.type !== "query") {
      return refusal(405, "METHOD_NOT_ALLOWED", `A ${registered.type} is served by POST only`, { allow: "POST" });
    }
    return { request: this.rewritten(request, params, named, registered.body, registered) };
  };

  private rewritten(
    request: HTTPGraphQLRequest,
    params: URLSearchParams,
    named: Named,
    query: string,
    registered: TrustedDocument | undefined,
  ): HTTPGraphQLRequest {
    const extensions = withoutPersistedQuery(named.extensions);
    let result: HTTPGraphQLRequest;
    if (request.method === "GET") {
      params.delete("documentId");
      params.set("query", query);
      if (extensions) {
        params.set("extensions", JSON.stringify(extensions));
      } else {
        params.delete("extensions");
      }
      result = { ...request, search: `?${params.toString()}` };
    } else {
      const { documentId: _id, extensions: _extensions, ...body } = request.body as Json;
      result = { ...request, body: { ...body, query, ...(extensions ? { extensions } : {}) } };
    }
    if (registered) {
      this.byId.set(result, registered);
    }
    return result;
  }
}
