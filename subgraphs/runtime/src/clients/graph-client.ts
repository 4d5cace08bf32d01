import { createHash } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import { DomainError } from "../errors/errors.js";
import { injectTraceContext } from "../telemetry/server-span.js";
import { inSpan, recordErrorCodes } from "../telemetry/spans.js";
import { postGraphQL } from "./graphql-client.js";

/** Calls the federated graph through the gateway under a service's own identity. */
export interface GraphClient {
  query<Data>(document: string, variables?: Record<string, unknown>): Promise<Data>;
}

/**
 * Below the gateway's 3 s per subgraph call: a register waiting on another register gives up first
 * and answers DEPENDENCY_UNAVAILABLE itself, and its disconnect makes the gateway abort the inner call.
 */
export const DEFAULT_GRAPH_TIMEOUT_MS = 2_500;

export class GraphUnavailableError extends DomainError {
  constructor(detail: string) {
    super("DEPENDENCY_UNAVAILABLE", "A register this operation depends on did not answer", { detail });
  }
}

/**
 * A register's documents are registered with the gateway (schema/trusted-documents/), and service
 * grants are served registered documents only in production: each is sent by its id, the SHA-256
 * of its exact text, never as text.
 */
function documentIdOf(document: string): string {
  return `sha256:${createHash("sha256").update(document, "utf8").digest("hex")}`;
}

/**
 * Subgraphs never read each other's databases: a fact held by another register is asked of the
 * graph, through the gateway, with the calling service's own token, so the access is authorized
 * and accounted for like any other.
 */
export function createGraphClient(options: {
  /** The gateway's GraphQL URL; a function because tests learn it after start-up. */
  url: () => string;
  /** The service's token; `refresh`, when given, is asked once after the gateway answers 401. */
  token: (() => Promise<string>) & { refresh?: () => Promise<string> };
  requestId?: () => string | undefined;
  timeoutMs?: number;
}): GraphClient {
  const ids = new Map<string, string>();
  return {
    async query<Data>(document: string, variables?: Record<string, unknown>): Promise<Data> {
      const requestId = options.requestId?.();
      let documentId = ids.get(document);
      if (!documentId) {
        documentId = documentIdOf(document);
        ids.set(document, documentId);
      }
      // A register's call to another goes through the gateway, in the caller's trace (traceparent).
      const post = (token: string) =>
        inSpan(
          "graphql.call",
          { kind: SpanKind.CLIENT, attributes: { "graphql.document.id": documentId } },
          async (span) => {
            try {
              const posted = await postGraphQL<Data>(
                options.url(),
                { documentId, ...(variables ? { variables } : {}) },
                injectTraceContext({
                  authorization: `Bearer ${token}`,
                  ...(requestId ? { "x-request-id": requestId } : {}),
                }),
                options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS,
              );
              span.setAttribute("http.response.status_code", posted.status);
              recordErrorCodes(span, posted.body.errors);
              return posted;
            } catch (error) {
              throw new GraphUnavailableError((error as Error).message);
            }
          },
        );
      let response = await post(await options.token());
      // The gateway refused the token (revoked, or a key rotated early): one new token, one retry.
      if (response.status === 401 && options.token.refresh) {
        response = await post(await options.token.refresh());
      }
      if (response.body.errors?.length || !response.body.data) {
        const codes = response.body.errors?.map((e) => e.extensions?.code ?? "UNKNOWN").join(", ");
        throw new GraphUnavailableError(`graph answered ${response.status} ${codes ?? ""}`.trim());
      }
      return response.body.data;
    },
  };
}
