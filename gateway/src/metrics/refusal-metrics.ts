/*
 * Requests the gateway's edge refused, by error code and the caller's agency: limits, cost, rate
 * limits, trusted documents, authentication. Refusals happen at three depths, and each is counted
 * where it happens: before Apollo reads the request (a body or document over the ceilings, a
 * persisted id nobody registered: agency `none`, nobody is authenticated yet), while the context
 * is built (authentication, purpose, rate limits), and while the operation is resolved (operation
 * limits, demand control, the grant's documents).
 */
import type { ServerResponse } from "node:http";
import type { ApolloServerPlugin, BaseContext, HTTPGraphQLRequest } from "@apollo/server";
import type { Caller } from "@spx/runtime/access";
import { agencyLabels, agencyOf, boundedCounter, NO_AGENCY } from "@spx/runtime/metrics";
import type { PreparedRequest } from "@spx/runtime/server";
import type { Registry } from "prom-client";

/** The codes the edge refuses with; any other code is not a refusal of the edge's and is not counted here. */
export const REFUSAL_CODES = [
  "OPERATION_LIMIT_EXCEEDED",
  "COST_LIMIT_EXCEEDED",
  "RATE_LIMITED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_HASH_MISMATCH",
  "PERSISTED_DOCUMENT_REQUIRED",
  "PERSISTED_DOCUMENT_NOT_ALLOWED",
  "METHOD_NOT_ALLOWED",
  "OPERATION_RESOLUTION_FAILURE",
  "SUBSCRIPTION_NOT_SUPPORTED",
  "TOKEN_TOO_LARGE",
  "UNAUTHENTICATED",
  "NO_GRANT",
  "PURPOSE_REQUIRED",
  "PURPOSE_NOT_ALLOWED",
] as const;
const refusalCodes: ReadonlySet<string> = new Set(REFUSAL_CODES);

function codeOf(error: unknown): string | undefined {
  const extensions = (error as { extensions?: { code?: unknown } } | null)?.extensions;
  return typeof extensions?.code === "string" ? extensions.code : undefined;
}

function firstCode(body: unknown): string | undefined {
  return codeOf((body as { errors?: unknown[] } | null)?.errors?.[0]);
}

export class RefusalMetrics {
  private readonly refusals;
  /** Errors counted where the caller was known, so that Apollo's report of the same failure is not counted twice. */
  private readonly counted = new WeakSet<object>();

  constructor(registry: Registry) {
    this.refusals = boundedCounter(registry, {
      name: "spx_gateway_refusals_total",
      help: "Requests the gateway refused (limits, cost, rate limits, trusted documents, authentication), by error code and agency.",
      labels: { code: REFUSAL_CODES, agency: agencyLabels() },
    });
  }

  private count(code: string | undefined, agency: string): void {
    if (code !== undefined && refusalCodes.has(code)) {
      this.refusals.inc({ code, agency });
    }
  }

  /** Counts a refusal thrown while admitting a known caller (rate limits), and throws it on. */
  readonly refusedCaller =
    (caller: Pick<Caller, "agency" | "role">) =>
    (error: unknown): never => {
      this.count(codeOf(error), agencyOf(caller));
      if (typeof error === "object" && error !== null) {
        this.counted.add(error);
      }
      throw error;
    };

  /** `prepare`, with its refusals (unregistered or mismatched ids) counted. */
  watchPrepare(prepare: (request: HTTPGraphQLRequest) => PreparedRequest) {
    return (request: HTTPGraphQLRequest): PreparedRequest => {
      const prepared = prepare(request);
      if ("refused" in prepared) {
        this.count(firstCode(prepared.refused.body), NO_AGENCY);
      }
      return prepared;
    };
  }

  /** `screen`, with its refusals (documents over the ceilings) counted. */
  watchScreen(screen: (body: unknown) => { status: number; body: unknown } | undefined) {
    return (body: unknown) => {
      const refused = screen(body);
      if (refused) {
        this.count(firstCode(refused.body), NO_AGENCY);
      }
      return refused;
    };
  }

  /** The body limit's answer, counted as the operation limit it is. */
  watchBodyLimit<T extends { refuse: (res: ServerResponse) => void }>(limit: T): T {
    return {
      ...limit,
      refuse: (res: ServerResponse) => {
        this.count("OPERATION_LIMIT_EXCEEDED", NO_AGENCY);
        limit.refuse(res);
      },
    };
  }

  /** Refusals raised while building the context (unknown caller: `none`) or resolving the operation. */
  plugin<
    Context extends BaseContext & { caller?: Pick<Caller, "agency" | "role"> | undefined },
  >(): ApolloServerPlugin<Context> {
    return {
      contextCreationDidFail: async ({ error }) => {
        if (!this.counted.has(error)) {
          this.count(codeOf(error), NO_AGENCY);
        }
      },
      requestDidStart: async () => ({
        willSendResponse: async ({ response, contextValue }) => {
          if (response.body.kind !== "single") {
            return;
          }
          const code = firstCode(response.body.singleResult);
          if (code !== undefined && response.body.singleResult.data === undefined) {
            this.count(code, agencyOf(contextValue.caller));
          }
        },
      }),
    };
  }
}
