import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestContextWillSendResponse } from "@apollo/server";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import type { GraphQLSchema } from "graphql";
import { BENCH_ACCESS, BENCH_CALLER, type UnauthenticatedMode } from "../access/access-bench.js";
import { type Access, accessOf, statedPurpose } from "../access/access-catalogue.js";
import { AccessTrail, SERVED_PERSONS } from "../access/access-trail.js";
import type { Caller } from "../access/caller.js";
import type { StatementCounter } from "../database/statement-counter.js";
import { maskError, UnauthenticatedError } from "../errors/errors.js";
import { FEED_OPERATIONS } from "../events/feed-documents.js";
import type { Logger } from "../logging/logger.js";
import { withHttpMetrics } from "../metrics/http-metrics.js";
import { plannedOperationName } from "../metrics/operation-metrics.js";
import type { PoolFigures } from "../metrics/register-metrics.js";
import { subgraphMetrics } from "../metrics/subgraph-metrics.js";
import { NO_STATISTICS, type StatisticsReader } from "../statistics/statistics-service.js";
import { operationSpanPlugin } from "../telemetry/operation-span-plugin.js";
import { type BoundRequest, bearerToken, InvalidTokenError, verifyInternalToken } from "../tokens/internal-token.js";
import { MemoryReplayGuard, type ReplayGuard } from "../tokens/replay-guard.js";
import type { TokenKeyring } from "../tokens/token-keys.js";
import { rejectionReasonOf } from "../tokens/token-rejections.js";
import { graphqlHttpHandler, sendJson } from "./http-server.js";
import { noApolloReporting } from "./no-reporting.js";

/** What every subgraph resolver knows about the request. */
export interface RequestContext {
  caller: Caller;
  /** What the catalogue grants the caller, resolved here rather than trusted from the gateway. */
  access: Access;
  requestId: string;
  log: Logger;
  /** The persons served so far, for the access log. */
  trail: AccessTrail;
  /** The register's statistics, cut from the snapshots every replica serves alike. */
  statistics: StatisticsReader;
}

export interface SubgraphHttpOptions<Context extends RequestContext> {
  /** The subgraph's name; also the audience its gateway tokens must carry. */
  name: string;
  schema: GraphQLSchema;
  /**
   * This register's keys of the gateway's tokens, the only way in (but for `unauthenticated:
   * "bench"`): its own only (token-keys.ts).
   */
  tokenKeys: TokenKeyring;
  /** A request without an authorization header: refused (default), or served as the benchmark caller. */
  unauthenticated?: UnauthenticatedMode;
  logger: Logger;
  /** Adds the subgraph's own per-request state (data loaders, database client). */
  extendContext: (base: RequestContext) => Context;
  /** Resolves when the subgraph can serve (its database answers). */
  ready: () => Promise<unknown>;
  /** The register's SQL statement count, served at /metrics (benchmarks read it per request). */
  statements?: StatementCounter;
  /** The register's PostgreSQL pool, whose connections are served at /metrics. */
  pool?: PoolFigures | undefined;
  /** Where the ids of tokens already used are kept (default: this process's memory). */
  replayGuard?: ReplayGuard | undefined;
  /** The register's statistics (default: none declared). */
  statistics?: StatisticsReader | undefined;
}

/**
 * Whether an operation is a register's routine poll of another's event feed (a registered feed
 * document, asked by a service, answered without error): several a second on the embedded
 * default, so logged at debug, where they do not bury the operations people asked.
 */
function isFeedPoll(
  request: { operationName?: string | null | undefined; errors?: readonly unknown[] | undefined },
  caller: Pick<Caller, "role"> | undefined,
): boolean {
  const name = plannedOperationName(request.operationName);
  return caller?.role === "SERVICE" && !request.errors?.length && name !== undefined && FEED_OPERATIONS.has(name);
}

/** Logs one line per operation: request id, operation, outcome. Never variables or results. */
export function operationLogPlugin<
  Context extends Pick<RequestContext, "log"> & { caller?: Pick<Caller, "role"> | undefined } = RequestContext,
>(
  /** Further figures for the line (the gateway's cost), computed as the response is sent. */
  describe?: (request: GraphQLRequestContextWillSendResponse<Context>) => Record<string, unknown> | undefined,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse(request) {
          const { operationName, errors } = request;
          const level = isFeedPoll(request, contextValue.caller) ? "debug" : "info";
          // One line per operation: a line is a write, and writes were the gateway's hottest code.
          contextValue.log[level](
            {
              operation: operationName ?? null,
              ms: Math.round(performance.now() - started),
              errors: errors?.map((error) => error.extensions?.code ?? "INTERNAL_SERVER_ERROR"),
              ...describe?.(request),
            },
            "operation",
          );
        },
      };
    },
  };
}

/**
 * Hands the gateway the persons this response serves data about, so that it can write the access
 * log before the caller sees anything. If they cannot be told (a lookup failed), nothing is served.
 */
export function servedPersonsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== "single") {
            return;
          }
          const result = response.body.singleResult;
          try {
            const persons = await contextValue.trail.settled();
            if (persons.length > 0) {
              result.extensions = { ...result.extensions, [SERVED_PERSONS]: persons };
            }
          } catch (error) {
            contextValue.log.error({ err: error }, "could not tell whose data was served");
            response.body.singleResult = {
              errors: [
                {
                  message: "Whose data this answer holds could not be established; nothing is served",
                  extensions: { code: "ACCESS_LOG_UNAVAILABLE" },
                },
              ],
            };
          }
        },
      };
    },
  };
}

function boundRequest(body: unknown): BoundRequest | undefined {
  if (typeof body !== "object" || body === null || !("query" in body) || typeof body.query !== "string") {
    return undefined;
  }
  const variables = "variables" in body && typeof body.variables === "object" && body.variables !== null;
  return { query: body.query, variables: variables ? (body.variables as Record<string, unknown>) : undefined };
}

export function createSubgraphHttp<Context extends RequestContext>(options: SubgraphHttpOptions<Context>) {
  const { name, schema, tokenKeys, logger, extendContext, ready, statements } = options;
  const unauthenticated = options.unauthenticated ?? "refuse";
  const statistics = options.statistics ?? NO_STATISTICS;
  const replayGuard = options.replayGuard ?? new MemoryReplayGuard({ logger });
  const metrics = subgraphMetrics({ statements, pool: options.pool });
  const { rejections } = metrics;
  if (unauthenticated === "bench") {
    logger.warn(
      { unauthenticated },
      "BENCHMARK MODE: requests without an authorization header are served as a caller allowed everything nationwide; never run like this with real data",
    );
  }
  const server = new ApolloServer<Context>({
    // The service drains and stops itself on SIGTERM/SIGINT (stopOnSignals). Apollo's own handler
    // would stop the server at once and send the signal again, ending the process mid-close.
    stopOnTerminationSignals: false,
    schema,
    // Only the gateway talks to a subgraph; it composes from the committed SDL, not introspection.
    introspection: false,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // Nothing calls out: no usage or schema reports, and no landing page loading Apollo's CDN.
      ...noApolloReporting<Context>(),
      ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin() as ApolloServerPlugin<Context>,
      servedPersonsPlugin() as ApolloServerPlugin<Context>,
      operationSpanPlugin<Context>({ callerOf: (context) => context.caller }),
      metrics.plugin as ApolloServerPlugin<Context>,
    ],
    formatError: (formatted, error) =>
      maskError(
        formatted,
        error,
        (unexpected) => logger.error({ err: unexpected }, "unexpected error"),
        (condition) => {
          metrics.busy(condition);
          logger.warn({ condition }, "database busy: request refused as REGISTER_BUSY");
        },
      ),
  });
  const context = async (req: IncomingMessage, requestId: string, body: unknown): Promise<Context> => {
    // Only an absent header opens bench mode: a malformed, forged or stale token is refused below.
    if (unauthenticated === "bench" && req.headers.authorization === undefined) {
      return extendContext({
        caller: BENCH_CALLER,
        access: BENCH_ACCESS,
        requestId,
        log: logger.child({ requestId }),
        trail: new AccessTrail(),
        statistics,
      });
    }
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      rejections.add("missing");
      throw new UnauthenticatedError("This service only answers the gateway");
    }
    try {
      // The token must have been minted for this very document: a captured token opens nothing else.
      const claims = await verifyInternalToken(token, tokenKeys, name, boundRequest(body));
      const id = claims.requestId === "unknown" ? requestId : claims.requestId;
      // Checked last, so that only tokens the gateway signed take room in the guard.
      const checked = replayGuard.check(claims.jti, claims.acceptableUntilMs);
      const verdict = typeof checked === "string" ? checked : await checked;
      if (verdict === "replayed") {
        rejections.add("replayed");
        // A security event; the token's id is hashed, and nothing about the caller is told.
        logger.warn(
          {
            subgraph: name,
            requestId: id,
            jti: createHash("sha256").update(claims.jti).digest("base64url").slice(0, 12),
          },
          "replayed gateway token refused",
        );
        throw new UnauthenticatedError("This service only answers the gateway");
      }
      // The gateway checked the purpose already; a register checks it again on what it is told.
      statedPurpose(claims.caller);
      return extendContext({
        caller: claims.caller,
        access: accessOf(claims.caller),
        requestId: id,
        log: logger.child({ requestId: id }),
        trail: new AccessTrail(),
        statistics,
      });
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        rejections.add(rejectionReasonOf(error.reason));
        logger.warn({ requestId, reason: error.reason }, "rejected token");
        throw new UnauthenticatedError("This service only answers the gateway");
      }
      throw error;
    }
  };
  const handler = graphqlHttpHandler({
    server,
    context,
    logger,
    routes: {
      "/healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
      // Prometheus text format; counts only, nothing about anyone (metrics/registry.ts).
      "/metrics": metrics.route,
      "/readyz": async (_req, res) => {
        try {
          await Promise.all([ready(), replayGuard.ready()]);
          sendJson(res, 200, { status: "ready" });
        } catch {
          sendJson(res, 503, { status: "unavailable" });
        }
      },
    },
  });
  return {
    server,
    handler: withHttpMetrics(handler, metrics.registry, ["/healthz", "/metrics", "/readyz"]),
    rejections,
    registry: metrics.registry,
  };
}
