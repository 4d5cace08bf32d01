/*
 * One prom-client Registry per service, holding the process and Node.js metrics beside the
 * service's own families, served as Prometheus text at `/metrics`. A registry of its own rather
 * than prom-client's global one, so that two services started in one process (the tests) keep
 * their counts apart.
 *
 * /metrics is always served, on the service's own port: it holds counts and durations under
 * labels drawn from closed sets (bounded-labels.ts), nothing about anyone, so there is nothing a
 * setting would protect. What a scrape teaches an outsider (request rates per agency) is kept from
 * the internet where the gateway is published: the ingress or proxy routes `/graphql` (and the
 * JWKS) only, and Prometheus scrapes each pod from inside the cluster.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

/** The Prometheus text format's content type, as Prometheus negotiates it (version 0.0.4). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export function serviceRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The `/metrics` route: the registry in Prometheus text format. */
export function metricsRoute(registry: Registry): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (_req, res) => {
    const text = await registry.metrics();
    res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE, "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
}
