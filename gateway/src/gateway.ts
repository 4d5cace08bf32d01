import type { IncomingMessage } from "node:http";
import { ApolloGateway, type GraphQLDataSource, LocalGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { accessOf, catalogue, statedPurpose } from "@spx/runtime/access-catalogue";
import { AccessTrail } from "@spx/runtime/access-trail";
import { maskError } from "@spx/runtime/errors";
import { graphqlHttpHandler, sendJson } from "@spx/runtime/http-server";
import type { SigningKey } from "@spx/runtime/keys";
import { jwksOf } from "@spx/runtime/keys";
import type { Logger } from "@spx/runtime/logger";
import { operationLogPlugin } from "@spx/runtime/subgraph-server";
import type { JWK } from "jose";
import { AccountingGateway } from "./access-log/accounting-gateway.js";
import { SUBGRAPH_NAME as ACCESS_LOG, schema as accessLogSchema } from "./access-log/schema.js";
import type { AccessLogStore } from "./access-log/store.js";
import { AccessLogWriter } from "./access-log/writer.js";
import type { Authenticate } from "./authenticate.js";
import { type AuthorizationMode, AuthorizingGateway } from "./authorizing-gateway.js";
import type { GatewayContext, ServedContext } from "./context.js";
import { readCostModel } from "./edge/cost-model.js";
import { demandControlPlugin } from "./edge/demand-control.js";
import { FieldAccess } from "./field-access.js";
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
  /** The gateway's own key, for the tokens it mints for subgraphs. */
  signingKey: SigningKey;
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
  /** Further public keys published in the JWKS, e.g. the social register's attestation keys. */
  publishedKeys?: JWK[];
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
  const { logger, signingKey, authenticate } = options;
  // The access log is served by the gateway itself, in process; every other subgraph over HTTP.
  const urls = new Map(
    options.subgraphs
      .filter((s) => s.name !== ACCESS_LOG)
      .map((s) => [s.name, options.subgraphUrls?.[s.name] ?? s.url] as const),
  );
  // @apollo/gateway refuses the SECURITY features; it gets a copy without them, and the rules
  // they carry are enforced here instead.
  const { policy, executableSdl } = readSupergraphPolicy(options.supergraphSdl);
  const transport = subgraphFetcher();
  const planner = new ApolloGateway({
    supergraphSdl: executableSdl,
    buildService: ({ name, url }) =>
      name === ACCESS_LOG
        ? authenticate === "off"
          ? accessLogWithoutCallers
          : new LocalGraphQLDataSource(accessLogSchema)
        : new SubgraphClient(name, urls.get(name) ?? url ?? "", signingKey, transport.fetcher),
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
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
        new AccessLogWriter(options.accessLog, (error, entries) =>
          logger.warn({ err: error, entries }, "access log batch failed; retrying once"),
        ),
      )
    : authorizing;
  const production = options.production ?? false;
  const server = new ApolloServer<ServedContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    // CSRF prevention stays on (Apollo's default): a browser cannot send a simple cross-site POST.
    csrfPrevention: true,
    plugins: [
      operationLogPlugin<ServedContext>(),
      // The subgraph connections close with the server, whoever stops it.
      { serverWillStart: async () => ({ serverWillStop: () => transport.close() }) },
      demandControlPlugin(readCostModel(options.supergraphSdl)),
    ],
    formatError: (formatted, error) =>
      maskError(
        formatted,
        error,
        (unexpected) => logger.error({ err: unexpected }, "unexpected error"),
        (condition) => logger.warn({ condition }, "database busy: request refused as REGISTER_BUSY"),
      ),
  });
  await server.start();

  const context = async (req: IncomingMessage, requestId: string): Promise<ServedContext> => {
    const log = logger.child({ requestId });
    if (authenticate === "off") {
      // Neither a token nor X-Purpose is read: the wrapping gateways and the subgraph client see
      // no caller and pass the request through untouched.
      return { requestId, log, trail: new AccessTrail(), accessLog: options.accessLog };
    }
    const authenticated = await authenticate(req);
    // No purpose, no data: refused here, before anything is planned or read.
    const header = req.headers["x-purpose"];
    const purpose = statedPurpose(authenticated, typeof header === "string" ? header : undefined);
    const caller = { ...authenticated, purpose };
    return {
      caller,
      access: accessOf(caller),
      requestId,
      log,
      trail: new AccessTrail(),
      accessLog: options.accessLog,
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

  const handler = graphqlHttpHandler({
    server,
    context,
    routes: {
      "/healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
      "/readyz": async (_req, res) => {
        const subgraphs = await readiness();
        const ready = Object.values(subgraphs).every(Boolean);
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "unavailable", subgraphs });
      },
      "/.well-known/jwks.json": (_req, res) =>
        sendJson(res, 200, { keys: [...jwksOf([signingKey]).keys, ...(options.publishedKeys ?? [])] }),
    },
  });
  return { server, handler, readiness };
}
