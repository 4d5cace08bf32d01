import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from "@apollo/server-gateway-interface";
import type { Access } from "@spx/runtime/access";
import { startChildSpan } from "@spx/runtime/telemetry";
import { GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";
import { authorizeOperation, EACH, type OperationDecision, PLACEHOLDER, type Refusal } from "./authorize-operation.js";
import { documentHeapBytes } from "./edge/document-store.js";
import type { FieldAccess } from "./field-access.js";
import { type RefusalExplanation, RefusalExplanations } from "./refusal-explanations.js";
import { WrappingGateway } from "./wrapping-gateway.js";

/**
 * `filter` (the default, as in Apollo Router): refused fields come back null with a FORBIDDEN
 * error each, the rest is served. `reject`: any refusal refuses the whole request.
 */
export type AuthorizationMode = "filter" | "reject";

/** Policy decisions kept per (grant, operation): enough for every operation a fleet of clients sends. */
const DECISION_CACHE_SIZE = 2000;
/** And at most this much heap, whatever the documents' sizes (each decision holds its document). */
const DECISION_CACHE_BYTES = 32 * 1024 * 1024;

/** A decision with, for each refusal, why (shared per grant and field, see RefusalExplanations). */
export interface ExplainedDecision extends OperationDecision {
  explanations: readonly RefusalExplanation[];
}

/**
 * A decision's heap: its document (shared with Apollo's store, but kept alive here) and refusals
 * (their explanations are shared by every decision of the grant, counted once elsewhere).
 */
function decisionBytes(decision: ExplainedDecision, key: string): number {
  const refusals = decision.refusals.reduce((sum, r) => sum + 72 + 2 * (r.coordinate.length + r.path.join().length), 0);
  return documentHeapBytes(decision.document) + refusals + 2 * key.length;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function nullAt(value: Json | undefined, path: readonly string[], index: number): void {
  if (value === null || value === undefined || typeof value !== "object") {
    return;
  }
  const segment = path[index];
  if (segment === undefined) {
    return;
  }
  if (segment === EACH) {
    if (Array.isArray(value)) {
      for (const item of value) {
        nullAt(item, path, index + 1);
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    return;
  }
  if (index === path.length - 1) {
    value[segment] = null;
  } else {
    nullAt(value[segment], path, index + 1);
  }
}

function dropPlaceholders(value: Json | undefined): void {
  if (value === null || value === undefined || typeof value !== "object") {
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      dropPlaceholders(item);
    }
    return;
  }
  delete value[PLACEHOLDER];
  for (const child of Object.values(value)) {
    dropPlaceholders(child);
  }
}

/** What a client is told about one refused field: where, what, why, and on which legal basis. */
function refusalExtensions(refusal: Refusal, why: RefusalExplanation | undefined) {
  return {
    coordinate: refusal.coordinate,
    reason: why?.reason ?? null,
    legalBasis: why?.legalBasis ?? null,
    scopes: why?.scopes ?? [],
    kindsOfData: why?.kindsOfData ?? [],
    rows: why?.rows ?? [],
  };
}

function refusalError(refusal: Refusal, why: RefusalExplanation | undefined): GraphQLError {
  return new GraphQLError(`Not allowed to read ${refusal.coordinate}`, {
    path: refusal.path,
    extensions: { code: "FORBIDDEN", ...refusalExtensions(refusal, why) },
  });
}

/**
 * @apollo/gateway with this project's authorization in front of it: before planning, every field
 * the caller may not read is removed from the operation; after execution, each comes back null
 * with a FORBIDDEN error at its path. Row policies travel on to the subgraphs, which hold the rows.
 */
export class AuthorizingGateway extends WrappingGateway {
  private readonly decisions = new LRUCache<string, ExplainedDecision>({
    max: DECISION_CACHE_SIZE,
    maxSize: DECISION_CACHE_BYTES,
    sizeCalculation: decisionBytes,
  });

  constructor(
    inner: GatewayInterface,
    private readonly fieldAccess: FieldAccess,
    private readonly accessOf: (context: GatewayGraphQLRequestContext["context"]) => Access | undefined,
    private readonly mode: AuthorizationMode = "filter",
    private readonly explanations = new RefusalExplanations(fieldAccess),
  ) {
    super(inner);
  }

  /** The decision for one operation and grant, computed once and then served from the cache. */
  decide(requestContext: GatewayGraphQLRequestContext, access: Access): ExplainedDecision {
    const key = `${access.key}\n${requestContext.operationName ?? ""}\n${requestContext.queryHash}`;
    let decision = this.decisions.get(key);
    if (!decision) {
      const decided = authorizeOperation(
        requestContext.schema,
        this.fieldAccess,
        access,
        requestContext.document,
        requestContext.operationName,
        requestContext.queryHash,
      );
      // Explained here, once per (grant, operation), so that a refusal costs no more per request.
      const explanations = decided.refusals.map((r) =>
        this.explanations.explain(requestContext.schema, access, r.coordinate),
      );
      decision = { ...decided, explanations };
      this.decisions.set(key, decision);
    }
    return decision;
  }

  /** What the decision cache holds, for tests of its bounds. */
  get cached(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.decisions.size, bytes: this.decisions.calculatedSize, maxBytes: DECISION_CACHE_BYTES };
  }

  protected wrap(executor: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const access = this.accessOf(requestContext.context);
      if (!access) {
        // Schema loads and health checks carry no caller; nothing personal is asked by them.
        return executor(requestContext);
      }
      const span = startChildSpan("spx.authorize");
      const decision = this.decide(requestContext, access);
      span.setAttribute("spx.authorization.refusals", decision.refusals.length);
      span.end();
      if (decision.refusals.length === 0) {
        return executor(requestContext);
      }
      if (this.mode === "reject") {
        return {
          errors: [
            new GraphQLError("This request asks for data the caller may not read", {
              extensions: {
                code: "FORBIDDEN",
                refused: decision.refusals.map((r, i) => ({
                  path: r.path,
                  ...refusalExtensions(r, decision.explanations[i]),
                })),
              },
            }),
          ],
        };
      }
      const result: GatewayExecutionResult = await executor({
        ...requestContext,
        document: decision.document,
        queryHash: decision.queryHash,
      });
      const data = result.data as Json | undefined;
      for (const refusal of decision.refusals) {
        nullAt(data, refusal.path, 0);
      }
      if (decision.placeholder) {
        dropPlaceholders(data);
      }
      const refused = decision.refusals.map((r, i) => refusalError(r, decision.explanations[i]));
      return { ...result, errors: [...refused, ...(result.errors ?? [])] };
    };
  }
}
