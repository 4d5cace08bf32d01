/*
 * `http.server.request.duration` (OpenTelemetry's HTTP semantic conventions, as Apollo Router,
 * Hive Gateway and Cosmo report it) for every answer a service sends, /graphql and the plain
 * routes alike, including those refused before Apollo sees them (an oversized body, a request
 * during shutdown). A wrapper around the node:http handler, so that no route can be missed.
 * The route label is the path only when it is one of the service's own routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { boundedHistogram } from "./bounded-labels.js";
import { DURATION_BUCKETS, HTTP_METHODS, HTTP_STATUS_CODES } from "./label-sets.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function pathOf(url: string | undefined): string {
  if (!url) {
    return "/";
  }
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

export function withHttpMetrics(handler: Handler, registry: Registry, routes: Iterable<string>): Handler {
  const duration = boundedHistogram(registry, {
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests, by method, route and status code.",
    labels: {
      http_request_method: HTTP_METHODS,
      http_route: ["/graphql", ...routes],
      http_response_status_code: HTTP_STATUS_CODES,
    },
    buckets: DURATION_BUCKETS,
  });
  return (req, res) => {
    const started = performance.now();
    res.once("close", () => {
      duration.observe(
        {
          http_request_method: req.method ?? "",
          http_route: pathOf(req.url),
          http_response_status_code: String(res.statusCode),
        },
        (performance.now() - started) / 1000,
      );
    });
    handler(req, res);
  };
}
