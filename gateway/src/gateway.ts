import type { IncomingMessage } from "node:http";
import { ApolloGateway, type GraphQLDataSource, LocalGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { AccessTrail, accessOf, catalogue, statedPurpose } from "@spx/runtime/access";
import { maskError } from "@spx/runtime/errors";
import type { Logger } from "@spx/runtime/logging";
import { withHttpMetrics } from "@spx/runtime/metrics";
import {
  graphqlHttpHandler,
  noApolloReporting,
  operationLogPlugin,
  type RouteHandler,
  sendJson,
} from "@spx/runtime/server";
import { operationSpanPlugin } from "@spx/runtime/telemetry";
import type { InternalTokenSigner, SigningKey } from "@spx/runtime/tokens";
import type { JWK } from "jose";
import { AccountingGateway } from "./access-log/accounting-gateway.js";
import type { AccessLogProofs } from "./access-log/proof-bundle.js";
import { accessLogJwks } from "./access-log/published-keys.js";
import { accessLogRoutes } from "./access-log/routes.js";
import { SUBGRAPH_NAME as ACCESS_LOG, schema as accessLogSchema } from "./access-log/schema.js";
import type { Sequencer } from "./access-log/sequencer.js";
import type { AccessLogStore } from "./access-log/store.js";
import { AccessLogWriter } from "./access-log/writer.js";
import type { Authenticate } from "./authenticate.js";
import { type AuthorizationMode, AuthorizingGateway } from "./authorizing-gateway.js";
import { CONSOLE_CONFIG_PATH, type ConsoleOidc, consoleConfig, consoleConfigRoute } from "./console/console-config.js";
import { CONSOLE_TOKEN_PATH, consoleTokenEndpoint } from "./console/console-token.js";
import { consoleSecurityHeaders } from "./console/security-headers.js";
import { withConsole } from "./console/serve-console.js";
import type { GatewayContext, ServedContext } from "./context.js";
import { clientErrorsPlugin } from "./edge/client-errors.js";
import { readCostModel } from "./edge/cost-model.js";
import { costOfAnswer, demandControlPlugin } from "./edge/demand-control.js";
import type { DocumentId } from "./edge/document-id.js";
import { edgeLimits, QUERY_PLAN_STORE_MIB } from "./edge/edge-limits.js";
import { landingPagePlugin } from "./edge/landing-page.js";
import { disableGatewayTelemetry } from "./edge/no-telemetry.js";
import { PersistedRequests } from "./edge/persisted-request.js";
import { rateLimitHeadersPlugin } from "./edge/rate-limit-plugin.js";
import { RateLimits } from "./edge/rate-limits.js";
import { nullRefusedObjectsPlugin } from "./edge/refused-objects.js";
import { requestSignal } from "./edge/request-deadline.js";
import { DEFAULT_RESILIENCE, type ResilienceSettings, subgraphTimeoutOf } from "./edge/resilience-settings.js";
import { withoutSchemaHints } from "./edge/schema-hints.js";
import { ShapeCache } from "./edge/shape-cache.js";
import { SharedFetches } from "./edge/shared-fetches.js";
import { TrustedDocuments } from "./edge/trusted-documents.js";
import { trustedDocumentsPlugin } from "./edge/trusted-documents-plugin.js";
import { FieldAccess } from "./field-access.js";
import { gatewayMetrics } from "./metrics/gateway-metrics.js";
import { SubgraphClient } from "./subgraph-client.js";
import { subgraphFetcher } from "./subgraph-fetcher.js";
import type { SubgraphEndpoint } from "./supergraph.js";
import { readSupergraphPolicy } from "./supergraph-policy.js";

export interface GatewayOptions {
  supergraphSdl: string;
  subgraphs: SubgraphEndpoint[];
  /** Overrides of the supergraph's subgraph URLs, by subgraph name. */
  subgraphUrls?: Record<string, string>;
  /**
   * Verifies the caller's JWT. `"off"` lets every request in as nobody, so that nothing is
   * authorized, logged or vouched for: only for measuring the gateway against peers that cannot
   * mint subgraph tokens (subgraphs must run in bench mode; refused in production by the environment).
   */
  authenticate: Authenticate | "off";
  /** The gateway's token secret, for the tokens it mints for subgraphs (each under the register's own key). */
  tokenSigner: InternalTokenSigner;
  logger: Logger;
  /** Time allowed for each subgraph's readiness answer. */
  readinessTimeoutMs?: number;
  /** Production: no introspection, no field suggestions in validation errors. */
  production?: boolean;
  /**
   * How refused fields are answered (default `filter`). `off` serves what the subgraphs allow
   * without the gateway's own check: only for measuring what the check costs.
   */
  authorization?: AuthorizationMode | "off";
  /**
   * Where the access log is kept. Without it nothing is accounted for: only for measuring what
   * the log costs (refused in production by the environment's validation).
   */
  accessLog?: AccessLogStore | undefined;
  /**
   * The log's proofs: entries' inclusion proofs in the graph, the public `/access-log/*` routes,
   * and the log and witness keys in the JWKS.
   */
  accessLogProofs?: AccessLogProofs | undefined;
  /**
   * The access log's sequencer (started and stopped by its owner, main.ts or the testkit): its lag
   * is on /metrics, and the witness client and public routes follow its checkpoints.
   */
  sequencer?: Sequencer | undefined;
  /** Further public keys published in the JWKS, e.g. the social register's attestation keys. */
  publishedKeys?: JWK[];
  /** The registered documents (default: the manifests under schema/trusted-documents/). */
  trustedDocuments?: TrustedDocuments;
  /** Request deadline, subgraph timeouts and circuits (defaults in `DEFAULT_RESILIENCE`). */
  resilience?: ResilienceSettings;
  /**
   * Whether identical query fetches in flight share one subgraph call (edge/shared-fetches.ts;
   * default true). `false` exists for tests and to measure what sharing saves.
   */
  shareFetches?: boolean;
  /** The catalogue's rate limits, shared through Redis or kept in memory (default: this process's memory). */
  rateLimits?: RateLimits;
  /**
   * Operation limits, demand control and rate limits (default on). `false` exists only to measure
   * what they cost side by side (refused in production by the environment's validation).
   */
  edge?: boolean;
  /** Further plain routes by path, e.g. the development token endpoint (development only). */
  routes?: Record<string, RouteHandler>;
  /** The console served at `/` (none without it). */
  console?: ConsoleServing;
}

/** How the gateway serves the console (gateway/src/console). */
export interface ConsoleServing {
  /** The built console (console/dist). */
  dir: string;
  /** Sign-in at an identity provider, production's only way; the development picker otherwise. */
  oidc?: ConsoleOidc | undefined;
  /** The development picker's issuer (`POST /dev-issuer/console-token`); never in production. */
  devSignIn?: { issuerKey: () => Promise<SigningKey>; issuer: string; audience: string } | undefined;
}

/**
 * The access log's rules are checked against the caller's grant: with authentication off there is
 * nobody to check, so it is not served at all.
 */
const accessLogWithoutCallers: GraphQLDataSource = {
  process: async () => ({
    errors: [
      { message: "The access log is not served without authentication", extensions: { code: "UNAUTHENTICATED" } },
    ],
  }),
};

function readinessUrl(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  url.pathname = `${url.pathname.replace(/\/graphql\/?$/, "")}/readyz`;
  return url.toString();
}

/** Builds the gateway: Apollo Server over @apollo/gateway, behind authentication. */
export async function createGateway(options: GatewayOptions) {
  const { logger, tokenSigner, authenticate } = options;
  // The access log is served by the gateway itself, in process; every other subgraph over HTTP.
  const urls = new Map(
    options.subgraphs
      .filter((s) => s.name !== ACCESS_LOG)
      .map((s) => [s.name, options.subgraphUrls?.[s.name] ?? s.url] as const),
  );
  // @apollo/gateway refuses the SECURITY features; it gets a copy without them, and the rules
  // they carry are enforced here instead.
  const { policy, executableSdl } = readSupergraphPolicy(options.supergraphSdl);
  // Resilience: the transport's own timeouts are only a backstop behind each call's signal.
  const resilience = options.resilience ?? DEFAULT_RESILIENCE;
  const transport = subgraphFetcher({ timeoutMs: resilience.requestTimeoutMs });
  const clients: SubgraphClient[] = [];
  // Trusted documents: ids resolved at the HTTP layer, the grant's rule checked once parsed.
  const documents = options.trustedDocuments ?? TrustedDocuments.load();
  const metrics = gatewayMetrics({
    documents,
    subgraphs: [...urls.keys()],
    circuits: () => clients.map((client) => ({ name: client.subgraphName, circuit: client.circuit })),
    sequencer: options.sequencer,
  });
  const shared = options.shareFetches === false ? undefined : new SharedFetches(metrics.sharedFetches);
  const subgraphClient = (name: string, url: string) => {
    const client = new SubgraphClient(name, url, tokenSigner, transport.fetcher, {
      timeoutMs: subgraphTimeoutOf(resilience, name),
      breaker: resilience.breaker,
      logger,
      observe: metrics.subgraphCalls,
      shared,
    });
    clients.push(client);
    return client;
  };
  disableGatewayTelemetry();
  const limits = edgeLimits(catalogue());
  const planner = new ApolloGateway({
    supergraphSdl: executableSdl,
    experimental_approximateQueryPlanStoreMiB: QUERY_PLAN_STORE_MIB,
    buildService: ({ name, url }) =>
      name === ACCESS_LOG
        ? authenticate === "off"
          ? accessLogWithoutCallers
          : new LocalGraphQLDataSource(accessLogSchema)
        : subgraphClient(name, urls.get(name) ?? url ?? ""),
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  const persisted = new PersistedRequests(documents, options.production ?? false);
  const registeredId = (queryHash: string) => (documents.get(queryHash as DocumentId) ? queryHash : null);
  const edge = options.edge ?? true;
  const costModel = readCostModel(options.supergraphSdl);
  const rateLimits = options.rateLimits ?? new RateLimits();
  const mode = options.authorization ?? "filter";
  const fieldAccess = new FieldAccess(policy, catalogue().publicFields);
  const authorizing =
    mode === "off"
      ? planner
      : new AuthorizingGateway(planner, fieldAccess, (context) => (context as Partial<GatewayContext>).access, mode);
  const gateway = options.accessLog
    ? new AccountingGateway(
        authorizing,
        fieldAccess,
        new AccessLogWriter(metrics.timedAccessLog(options.accessLog), (error, entries) =>
          logger.warn({ err: error, entries }, "access log batch failed; retrying once"),
        ),
        registeredId,
        edge ? (context, persons) => rateLimits.served(context.caller, context.access, persons) : undefined,
      )
    : authorizing;
  const production = options.production ?? false;
  const server = new ApolloServer<ServedContext>({
    // The service drains and stops itself on SIGTERM/SIGINT (stopOnSignals). Apollo's own handler
    // would stop the server at once and send the signal again, ending the process mid-close.
    stopOnTerminationSignals: false,
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    // CSRF prevention stays on (Apollo's default): a browser cannot send a simple cross-site POST.
    csrfPrevention: true,
    // Apollo's APQ would remember any document sent with its hash: ids name registered documents only.
    persistedQueries: false,
    documentStore: limits.documentStore,
    parseOptions: limits.parseOptions,
    plugins: [
      // Apollo runs every plugin's didResolveOperation at once; the first to refuse is answered, so
      // the limits (which bound every other walk) come first, trusted documents next, cost last.
      ...(edge ? [limits.plugin] : []),
      operationLogPlugin<ServedContext>(edge ? costOfAnswer(costModel) : undefined),
      trustedDocumentsPlugin({ documents, requests: persisted, production }),
      rateLimitHeadersPlugin(),
      operationSpanPlugin<ServedContext>({
        callerOf: (context) => context.caller,
        documentIdOf: (request) => (request.queryHash ? registeredId(request.queryHash) : undefined),
      }),
      // The subgraph connections close with the server, whoever stops it.
      {
        serverWillStart: async () => ({
          serverWillStop: async () => {
            for (const client of clients) {
              client.shutdown();
            }
            await transport.close();
          },
        }),
      },
      // The edge: client mistakes answered 4xx, nothing loaded or reported to the internet.
      clientErrorsPlugin<ServedContext>(),
      nullRefusedObjectsPlugin<ServedContext>(),
      landingPagePlugin<ServedContext>(production),
      ...noApolloReporting<ServedContext>(),
      ...(edge ? [demandControlPlugin(costModel)] : []),
      ...metrics.plugins,
    ],
    formatError: (formatted, error) => {
      const masked = maskError(
        formatted,
        error,
        (unexpected) => logger.error({ err: unexpected }, "unexpected error"),
        (condition) => logger.warn({ condition }, "database busy: request refused as REGISTER_BUSY"),
      );
      return production ? withoutSchemaHints(masked) : masked;
    },
  });
  await server.start();

  const context = async (
    req: IncomingMessage,
    requestId: string,
    _body: unknown,
    disconnected: AbortSignal,
  ): Promise<ServedContext> => {
    const log = logger.child({ requestId });
    // Resilience: the request's subgraph calls stop at its deadline or when its client goes away.
    const signal = requestSignal(disconnected, resilience.requestTimeoutMs);
    if (authenticate === "off") {
      // Neither a token nor X-Purpose is read: the wrapping gateways and the subgraph client see
      // no caller and pass the request through untouched.
      return {
        requestId,
        log,
        trail: new AccessTrail(),
        accessLog: options.accessLog,
        accessLogProofs: options.accessLogProofs,
        signal,
      };
    }
    const authenticated = await authenticate(req);
    // No purpose, no data: refused here, before anything is planned or read.
    const header = req.headers["x-purpose"];
    const purpose = statedPurpose(authenticated, typeof header === "string" ? header : undefined);
    const caller = { ...authenticated, purpose };
    const access = accessOf(caller);
    // Refused here too, before the document is parsed or planned: a refusal must cost next to nothing.
    const rateLimit = edge
      ? await rateLimits.admit(caller, access).catch(metrics.refusals.refusedCaller(caller))
      : undefined;
    return {
      caller,
      access,
      rateLimit,
      requestId,
      log,
      trail: new AccessTrail(),
      accessLog: options.accessLog,
      accessLogProofs: options.accessLogProofs,
      signal,
    };
  };

  const readiness = async () => {
    const checks = await Promise.all(
      [...urls].map(async ([name, url]) => {
        try {
          const response = await fetch(readinessUrl(url), {
            signal: AbortSignal.timeout(options.readinessTimeoutMs ?? 2000),
          });
          return [name, response.ok] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    return Object.fromEntries(checks);
  };

  // The console's own routes beside the graph's: its configuration, and the development picker's token.
  const consoleServing = options.console;
  const identityOrigin = consoleServing?.oidc ? new URL(consoleServing.oidc.issuer).origin : undefined;
  const consoleRoutes: Record<string, RouteHandler> = consoleServing
    ? {
        [CONSOLE_CONFIG_PATH]: consoleConfigRoute(
          consoleConfig(catalogue(), consoleServing.oidc),
          consoleSecurityHeaders(identityOrigin),
        ),
        ...(consoleServing.devSignIn && !production
          ? { [CONSOLE_TOKEN_PATH]: consoleTokenEndpoint(consoleServing.devSignIn) }
          : {}),
      }
    : {};
  const plainRoutes: Record<string, RouteHandler> = {
    "/healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
    // Prometheus text format; counts only, under bounded labels (@spx/runtime/metrics).
    "/metrics": metrics.route,
    "/readyz": async (req, res) => {
      // `?scope=gateway` is the probe of a load balancer or Kubernetes: whether this replica can
      // take traffic. A register that is down is answered SUBGRAPH_UNAVAILABLE by every replica
      // alike, so taking them all out for it would turn partial answers into none. Without the
      // scope, ready means the whole graph answers (what `npm start` and the tests wait for).
      if (new URL(req.url ?? "/", "http://localhost").searchParams.get("scope") === "gateway") {
        sendJson(res, 200, { status: "ready", scope: "gateway" });
        return;
      }
      const subgraphs = await readiness();
      const ready = Object.values(subgraphs).every(Boolean);
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "unavailable", subgraphs });
    },
    "/.well-known/jwks.json": (_req, res) =>
      sendJson(res, 200, {
        keys: [
          ...(options.publishedKeys ?? []),
          ...(options.accessLogProofs ? accessLogJwks(options.accessLogProofs.keys) : []),
        ],
      }),
    ...(options.accessLogProofs ? accessLogRoutes(options.accessLogProofs) : {}),
    ...consoleRoutes,
    ...options.routes,
  };
  const graphHandler = graphqlHttpHandler({
    server,
    context,
    logger,
    prepare: metrics.refusals.watchPrepare(persisted.prepare),
    bodyLimit: metrics.refusals.watchBodyLimit(limits.bodyLimit),
    screen: metrics.refusals.watchScreen(limits.screen),
    routes: plainRoutes,
  });
  // Every other path is the console's, when it is served.
  const handler = consoleServing
    ? withConsole(graphHandler, (path) => path === "/graphql" || Object.hasOwn(plainRoutes, path), {
        dir: consoleServing.dir,
        identityOrigin,
        logger,
      })
    : graphHandler;
  /** What the gateway's caches hold, for tests of their bounds. */
  const caches = () => ({
    documents: {
      entries: limits.documentStore.size,
      bytes: limits.documentStore.bytes,
      maxBytes: limits.documentStoreMaxBytes,
    },
    shapes: { entries: limits.shapes.size, bytes: limits.shapes.bytes, maxBytes: ShapeCache.maxBytes },
    decisions: authorizing instanceof AuthorizingGateway ? authorizing.cached : undefined,
  });
  const routes = Object.keys(plainRoutes);
  return {
    server,
    handler: withHttpMetrics(handler, metrics.registry, routes),
    readiness,
    caches,
    // For what main.ts wires beside the gateway (the access log's witness client).
    registry: metrics.registry,
  };
}
