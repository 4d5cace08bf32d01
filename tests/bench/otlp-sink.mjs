// A stand-in for an OpenTelemetry Collector for the benchmarks: accepts OTLP/HTTP JSON on
// POST /v1/traces and counts the spans, so that a traced gateway pays for exporting as it would
// to a real collector (serialization, a request per batch) without one being installed.
import { createServer } from "node:http";

/**
 * Starts the sink on a free port.
 * @returns {Promise<{ url: string, counts: () => { requests: number, spans: number }, close: () => Promise<void> }>}
 */
export async function startOtlpSink() {
  let requests = 0;
  let spans = 0;
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        requests++;
        /** @type {{ resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }} */
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            spans += scope.spans?.length ?? 0;
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ requests, spans }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
