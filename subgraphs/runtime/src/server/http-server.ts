/*
 * Why a hand-made node:http server rather than Apollo's maintained integration
 * (`@as-integrations/express5`): the gateway must act before Apollo parses a request (refuse an
 * oversized body before reading it, `prepare` a persisted document id into its document, `screen`
 * a parsed body), and every service must drain on stopping; Express adds a router and a body
 * parser in front of the same `executeHTTPGraphQLRequest` and owns none of these. Measured with
 * autocannon (10 connections, 10 s each, after a 2 s warm-up) on `{ ok }` against the same
 * Apollo Server 5.5.1: this handler 3,912 requests/s (p50 2 ms, p99 12 ms), Express 5 with the
 * integration 2,110 requests/s (p50 2 ms, p99 25 ms), on a shared 2-core machine (load ~15, so
 * only the ratio means anything). Keeping it costs this file; it must keep up with Apollo's own
 * integrations on what HTTP requires of them (CSRF, content types and methods are Apollo's own).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import type { Logger } from "../logging/logger.js";
import { currentTraceId } from "../telemetry/spans.js";
import { answerClientError } from "./client-error.js";

/** Requests larger than this are refused before parsing: GraphQL documents are small. */
const MAX_BODY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Why a request's signal aborted: its client closed the connection before the answer was written. */
export class ClientDisconnected extends Error {
  constructor() {
    super("The client closed the connection");
    this.name = "ClientDisconnected";
  }
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** What `prepare` makes of a GraphQL request: the request Apollo is to serve, or an answer instead. */
export type PreparedRequest =
  | { request: HTTPGraphQLRequest }
  | { refused: { status: number; body: unknown; headers?: Record<string, string> } };

export interface GraphQLHttpOptions<Context extends BaseContext> {
  server: ApolloServer<Context>;
  /** Where an error that escaped every handler is told (request id and error type; never the request). */
  logger: Pick<Logger, "error">;
  /**
   * Builds the per-request context from the request and its parsed body; may throw a GraphQLError
   * with an http status (e.g. 401). `signal` aborts when the client goes away before its answer
   * is written, so that work done only for that answer can stop.
   */
  context: (req: IncomingMessage, requestId: string, body: unknown, signal: AbortSignal) => Promise<Context>;
  /** Plain HTTP routes beside `/graphql`, such as `/healthz`. */
  routes?: Record<string, RouteHandler>;
  /**
   * Rewrites a GraphQL request before Apollo parses it, or answers it in Apollo's place (the
   * gateway resolves persisted document ids here). The context is built from the rewritten body.
   */
  prepare?: (request: HTTPGraphQLRequest) => PreparedRequest;
  /** A smaller cap on request bodies than the default 1 MiB, and how a body over it is answered. */
  bodyLimit?: { maxBytes: number; refuse: (res: ServerResponse) => void };
  /** Looks at a parsed body before Apollo does; an answer returned is sent instead of serving it. */
  screen?: (body: unknown) => { status: number; body: unknown } | undefined;
}

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request being served, wherever in its handling this is called. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** The caller's request id when it is well formed, otherwise a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) {
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * What an unexpected error is logged as: its type, code and where it was thrown. Not its message:
 * a driver's message may quote the values of the row it failed on.
 */
function describeUnexpected(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { type: typeof error };
  }
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    code: typeof code === "string" || typeof code === "number" ? code : undefined,
    at: error.stack
      ?.split("\n")
      .filter((line) => line.trimStart().startsWith("at "))
      .slice(0, 8)
      .map((line) => line.trim()),
  };
}

/** A node:http handler serving Apollo Server at `/graphql` plus a few plain routes. */
export function graphqlHttpHandler<Context extends BaseContext>(
  options: GraphQLHttpOptions<Context>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = requestIdOf(req);
    handle(options, req, res, requestId).catch((error: unknown) => {
      options.logger.error(
        {
          requestId,
          method: req.method,
          path: new URL(req.url ?? "/", "http://localhost").pathname,
          error: describeUnexpected(error),
        },
        "unexpected error serving a request",
      );
      if (!res.headersSent) {
        const traceId = currentTraceId();
        sendJson(res, 500, {
          errors: [
            {
              message: "Internal server error",
              extensions: { code: "INTERNAL_SERVER_ERROR", requestId, ...(traceId ? { traceId } : {}) },
            },
          ],
        });
      } else {
        // Half an answer is worse than none: the client sees the connection cut, not a truncated body.
        res.destroy();
      }
    });
  };
}

async function handle<Context extends BaseContext>(
  { server, context, routes = {}, prepare, bodyLimit, screen }: Omit<GraphQLHttpOptions<Context>, "logger">,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  res.setHeader("x-request-id", requestId);
  const route = routes[url.pathname];
  if (route) {
    await route(req, res);
    return;
  }
  if (url.pathname !== "/graphql") {
    sendJson(res, 404, { errors: [{ message: "Not found", extensions: { code: "NOT_FOUND" } }] });
    return;
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
  }
  let body: unknown;
  if (req.method === "POST") {
    const text = await readBody(req, Math.min(bodyLimit?.maxBytes ?? MAX_BODY_BYTES, MAX_BODY_BYTES));
    if (text === undefined) {
      // The rest of the body is still on the wire: the connection cannot carry another request, and
      // a client reusing it would see it closed under its next one.
      res.setHeader("connection", "close");
    }
    if (text === undefined && bodyLimit) {
      bodyLimit.refuse(res);
      return;
    }
    if (text === undefined) {
      sendJson(res, 413, {
        errors: [{ message: "Request body too large", extensions: { code: "PAYLOAD_TOO_LARGE" } }],
      });
      return;
    }
    if ((headers.get("content-type") ?? "").includes("application/json")) {
      try {
        body = JSON.parse(text);
      } catch {
        sendJson(res, 400, { errors: [{ message: "Body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] });
        return;
      }
    } else {
      body = text;
    }
  }
  const refusal = screen?.(body ?? Object.fromEntries(url.searchParams));
  if (refusal) {
    sendJson(res, refusal.status, refusal.body);
    return;
  }
  let httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? "GET", headers, search: url.search, body };
  if (prepare) {
    const prepared = prepare(httpGraphQLRequest);
    if ("refused" in prepared) {
      for (const [name, value] of Object.entries(prepared.refused.headers ?? {})) {
        res.setHeader(name, value);
      }
      sendJson(res, prepared.refused.status, prepared.refused.body);
      return;
    }
    httpGraphQLRequest = prepared.request;
  }
  const served = httpGraphQLRequest;
  const disconnected = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) {
      disconnected.abort(new ClientDisconnected());
    }
  };
  res.once("close", onClose);
  const response = await requestScope.run({ requestId }, () =>
    server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: served,
      context: () => context(req, requestId, served.body, disconnected.signal),
    }),
  );
  for (const [name, value] of response.headers) {
    res.setHeader(name, value);
  }
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) {
    res.write(chunk);
  }
  res.end();
}

/** How a drain went: the requests in flight when it began, those that finished, those cut at its end. */
export interface DrainOutcome {
  inFlight: number;
  finished: number;
  cut: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Requests being served at this moment. */
  readonly inFlight: number;
  /**
   * Stops taking work and lets the requests in flight finish, for at most `graceMs`, then closes
   * every connection and the listener. Resolves when the listener is closed; once only.
   */
  drain(graceMs: number): Promise<DrainOutcome>;
  /** Closes at once, cutting requests in flight (tests; a service drains). */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Time allowed to receive a request's headers and body (default 15 s): a slow sender is cut off. */
  requestTimeoutMs?: number;
}

/**
 * What a request arriving during a drain gets. The listener keeps accepting until the drain ends,
 * but only to say so: a readiness probe sees 503 rather than a refused connection (which a probe
 * or balancer may take for a network fault and retry here), liveness stays 200 (or the process
 * would be killed before its requests finish), and any other request is refused, typed, before
 * anything is read, so that its client can retry on another replica knowing nothing was done.
 */
function answerWhileDraining(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  res.setHeader("connection", "close");
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path === "/healthz") {
    handler(req, res);
  } else if (path === "/readyz") {
    sendJson(res, 503, { status: "draining" });
  } else {
    sendJson(res, 503, {
      errors: [{ message: "This server is shutting down; retry on another", extensions: { code: "SHUTTING_DOWN" } }],
    });
  }
}

/** Listens on `port` (0 picks a free one) and resolves once the socket is bound. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host = "127.0.0.1",
  options: ListenOptions = {},
): Promise<RunningServer> {
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  // Node's own defaults let a client that trickles its headers or body hold a connection for 60 s
  // or 5 min, checked every 30 s: a few hundred such clients would hold every socket.
  const server: Server = createServer({
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(1_000, requestTimeout),
  });
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let settled: (() => void) | undefined;
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      answerWhileDraining(handler, req, res);
      return;
    }
    inFlight.add(res);
    // 'close' comes when the answer is written and also when the connection is cut before it.
    res.once("close", () => {
      inFlight.delete(res);
      if (inFlight.size === 0) {
        settled?.();
      }
    });
    handler(req, res);
  });
  server.keepAliveTimeout = 5_000;
  // Requests the HTTP parser refuses (headers too large, malformed) get a typed JSON body too.
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "localhost" : host;
  let drained: Promise<DrainOutcome> | undefined;
  const drain = async (graceMs: number): Promise<DrainOutcome> => {
    draining = true;
    const atStart = inFlight.size;
    // Each answer in progress ends its connection, so that its client asks elsewhere next time.
    for (const res of inFlight) {
      if (!res.headersSent) {
        res.setHeader("connection", "close");
      }
    }
    server.closeIdleConnections();
    if (inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const cut = inFlight.size;
    // Cutting a connection aborts its request's signal: the gateway's calls to registers stop too.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return { inFlight: atStart, finished: atStart - cut, cut };
  };
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    get inFlight() {
      return inFlight.size;
    },
    drain: (graceMs) => {
      drained ??= drain(graceMs);
      return drained;
    },
    close: async () => {
      drained ??= drain(0);
      await drained;
    },
  };
}
