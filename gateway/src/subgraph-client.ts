import { AsyncLocalStorage } from "node:async_hooks";
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { context as otelContext, propagation, trace } from "@opentelemetry/api";
import { SERVED_PERSONS } from "@spx/runtime/access";
import type { Logger } from "@spx/runtime/logging";
import { recordErrorCodes } from "@spx/runtime/telemetry";
import { type InternalTokenSigner, signInternalToken } from "@spx/runtime/tokens";
import { GraphQLError } from "graphql";
import type CircuitBreaker from "opossum";
import type { ServedContext } from "./context.js";
import { askingAgain, isQueryFetch } from "./edge/query-retry.js";
import { abortCause } from "./edge/request-deadline.js";
import { type BreakerSettings, DEFAULT_RESILIENCE } from "./edge/resilience-settings.js";
import { fetchScope, type SharedFetches } from "./edge/shared-fetches.js";
import { type BreakerState, isOpenCircuit, subgraphBreaker } from "./edge/subgraph-breaker.js";
import { classifyFailure, SubgraphFailure } from "./edge/subgraph-failure.js";
import { unavailableResponse } from "./edge/unavailable-response.js";
import type { SubgraphCallObserver } from "./metrics/subgraph-call-metrics.js";

type FetchedResponse = Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0];
type Received = Parameters<NonNullable<RemoteGraphQLDataSource<ServedContext>["didReceiveResponse"]>>[0];
type Fetcher = RemoteGraphQLDataSource["fetcher"];
type ProcessOptions = GraphQLDataSourceProcessOptions<ServedContext>;
/** A client's operation, as opposed to a health check or schema load, which have no request behind them. */
type IncomingOperation = Extract<ProcessOptions, { incomingRequestContext: unknown }>;
const isIncoming = (options: ProcessOptions): options is IncomingOperation => "incomingRequestContext" in options;

export interface SubgraphCallOptions {
  /** One call's time limit; the request's own deadline may end it sooner. */
  timeoutMs: number;
  breaker: BreakerSettings;
  /** Where the circuit's changes and each unavailable answer are logged. */
  logger?: Logger | undefined;
  /** Told how each call ended, for the metrics. */
  observe?: SubgraphCallObserver | undefined;
  /** Where identical query fetches in flight share one call (edge/shared-fetches.ts); none: each makes its own. */
  shared?: SharedFetches | undefined;
}

const DEFAULT_CALL_OPTIONS: SubgraphCallOptions = {
  timeoutMs: DEFAULT_RESILIENCE.subgraphTimeoutMs,
  breaker: DEFAULT_RESILIENCE.breaker,
};

/**
 * The call being made: @apollo/gateway hands the fetcher no signal of its own, so it travels from
 * process() to the fetch alongside the call, with the scope a query's fetch may be shared within.
 */
interface CurrentCall {
  signal: AbortSignal;
  /** Set for a query's fetch only: what the caller's answer depends on (edge/shared-fetches.ts). */
  scope: string | undefined;
}
const currentCall = new AsyncLocalStorage<CurrentCall>();

/**
 * Calls one subgraph on behalf of the caller. The caller's own token never leaves the gateway:
 * each subgraph receives a short-lived token the gateway signs for that subgraph and that document
 * alone, carrying the caller's verified claims and the request id.
 */
export class SubgraphClient extends RemoteGraphQLDataSource<ServedContext> {
  private readonly breaker: CircuitBreaker<[() => Promise<GatewayGraphQLResponse>], GatewayGraphQLResponse>;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly tokenSigner: InternalTokenSigner,
    fetcher: Fetcher,
    private readonly calls: SubgraphCallOptions = DEFAULT_CALL_OPTIONS,
  ) {
    super({
      url,
      fetcher: async (input, init) => {
        const current = currentCall.getStore();
        const signal = current?.signal ?? null;
        const body = init?.body;
        const response =
          calls.shared && current?.scope !== undefined && typeof body === "string"
            ? await calls.shared.fetch(subgraph, current.scope, body, signal, (shared) =>
                fetcher(input, { ...init, signal: shared }),
              )
            : await fetcher(input, { ...init, signal });
        // On @apollo/gateway's own `gateway.fetch` span, active here: which register, what status.
        const span = trace.getActiveSpan();
        if (span?.isRecording()) {
          span.setAttribute("subgraph.name", subgraph);
          span.setAttribute("http.response.status_code", response.status);
        }
        return response;
      },
    });
    this.breaker = subgraphBreaker(calls.breaker, (state: BreakerState) =>
      calls.logger?.warn({ subgraph, state }, `circuit to ${subgraph} ${state}`),
    );
  }

  get subgraphName(): string {
    return this.subgraph;
  }

  /** Closed, open (calls refused at once) or half open (one trial call let through). */
  get circuit(): BreakerState {
    return this.breaker.opened ? "open" : this.breaker.halfOpen ? "halfOpen" : "closed";
  }

  /** Stops the circuit's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  /**
   * Every call runs under the request's signal (its deadline, its client) and its own timeout,
   * through the subgraph's circuit. A call that fails for want of an answer does not fail the
   * request: the fields asked of this subgraph come back null, each with a SUBGRAPH_UNAVAILABLE
   * error at its path, and the other subgraphs' fields are served.
   */
  override async process(options: ProcessOptions): Promise<GatewayGraphQLResponse> {
    const request = isIncoming(options) ? options.context.signal : undefined;
    const call = request
      ? AbortSignal.any([request, AbortSignal.timeout(this.calls.timeoutMs)])
      : AbortSignal.timeout(this.calls.timeoutMs);
    const started = performance.now();
    try {
      if (request?.aborted) {
        throw new SubgraphFailure(abortCause(request), false, { sent: false });
      }
      // A query's fetch is asked again once, with a fresh token, after a failure that says nothing
      // about the query (a replica that died mid-call): see edge/query-retry.ts.
      const query = isQueryFetch(isIncoming(options) ? options.document : undefined, options.request.query);
      const scope = query && isIncoming(options) ? fetchScope(options.context.caller) : undefined;
      const attempt = () =>
        currentCall
          .run({ signal: call, scope }, () => super.process(options))
          .catch((error: unknown) => {
            throw classifyFailure(error, { request, call });
          });
      const retried = (failure: SubgraphFailure) =>
        isIncoming(options) &&
        options.context.log?.warn(
          { subgraph: this.subgraph, reason: failure.reason, err: failure.cause },
          "subgraph fetch of a query failed; asking again with a fresh token",
        );
      const response = await this.breaker.fire(() => (query ? askingAgain(attempt, call, retried) : attempt()));
      this.calls.observe?.(this.subgraph, started, "ok");
      return response;
    } catch (error) {
      const failure = isOpenCircuit(error)
        ? new SubgraphFailure("CIRCUIT_OPEN", false, { cause: error, sent: false })
        : error;
      this.calls.observe?.(
        this.subgraph,
        started,
        failure instanceof SubgraphFailure ? failure.reason : "GRAPHQL_ERROR",
      );
      if (!(failure instanceof SubgraphFailure) || !isIncoming(options)) {
        throw failure;
      }
      recordErrorCodes(trace.getActiveSpan(), [{ extensions: { code: "SUBGRAPH_UNAVAILABLE" } }]);
      options.context.log?.warn(
        { subgraph: this.subgraph, reason: failure.reason, err: failure.cause },
        "subgraph unavailable; its fields are answered null",
      );
      return unavailableResponse(
        options.request,
        options.document,
        {
          message: `The ${this.subgraph} register did not answer`,
          // The request id lets support find the logged cause, which the client is not shown.
          extensions: {
            code: "SUBGRAPH_UNAVAILABLE",
            serviceName: this.subgraph,
            reason: failure.reason,
            requestId: options.context.requestId,
          },
        },
        failure.sent,
      );
    }
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<ServedContext>) {
    const headers = request.http?.headers;
    // The register continues the trace of `gateway.fetch` (nothing is added when none is recorded).
    if (headers) {
      propagation.inject(otelContext.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
    }
    // Health checks and schema loads carry no caller, nor does a request with authentication off
    // (benchmarks): no token is sent, and only a subgraph in bench mode answers.
    if (!headers || !("caller" in context) || !context.caller) {
      return;
    }
    // A subgraph accepts a token only with the document and variables it was signed for.
    const token = signInternalToken(this.tokenSigner, this.subgraph, {
      caller: context.caller,
      requestId: context.requestId,
      request: { query: request.query ?? "", variables: request.variables },
    });
    headers.set("authorization", `Bearer ${token}`);
    headers.set("x-request-id", context.requestId);
  }

  /**
   * A register lists, beside its answer, the persons it served data about: they go to the request's
   * trail, for the access log, and never on to the client.
   */
  override didReceiveResponse({ response, context }: Received): Received["response"] {
    recordErrorCodes(trace.getActiveSpan(), response.errors);
    const served = response.extensions?.[SERVED_PERSONS];
    if (response.extensions && served !== undefined) {
      delete response.extensions[SERVED_PERSONS];
      if (Array.isArray(served) && "trail" in context && context.trail) {
        context.trail.add(served.filter((idcs): idcs is string => typeof idcs === "string"));
      }
    }
    return response;
  }

  /**
   * A subgraph refuses a request it cannot parse (bad variables, e.g. a malformed amount) with an
   * HTTP 400 and a typed GraphQL error: relay that error as is. Anything else that is not a
   * success says the register is not answering properly; the client learns only which one.
   */
  override async errorFromResponse(response: FetchedResponse): Promise<GraphQLError> {
    const body = (await this.parseBody(response)) as {
      errors?: { message?: string; extensions?: Record<string, unknown> }[];
    };
    const first = typeof body === "object" && body !== null ? body.errors?.[0] : undefined;
    if (response.status === 400 && first?.message) {
      return new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.subgraph } });
    }
    return new GraphQLError(`The ${this.subgraph} register did not answer properly`, {
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: this.subgraph, status: response.status },
    });
  }
}
