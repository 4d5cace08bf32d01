// A plain federation peer for the benchmarks: @apollo/gateway on Apollo Server, both with their
// default settings, serving the supergraph at SUPERGRAPH_PATH (one without the SECURITY features,
// which @apollo/gateway refuses to load) on HOST:PORT. peers.mjs says how to start it.
import { readFileSync } from "node:fs";
import http from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const { PORT, HOST = "127.0.0.1", SUPERGRAPH_PATH } = process.env;
if (!PORT || !SUPERGRAPH_PATH) {
  console.error("apollo-gateway peer: PORT and SUPERGRAPH_PATH are required");
  process.exit(2);
}

// Apollo Server has no readiness route, and its CSRF prevention (a default, kept on) refuses any
// bare GET, which is all a runner's readiness poll sends. So GET /readyz is answered before Apollo
// sees the request; startStandaloneServer starts Apollo Server before it listens, so an answer
// means ready. It builds its HTTP server with http.createServer, wrapped for that one call only.
const createServer = http.createServer;
// The cast: startStandaloneServer passes its request listener alone, the one overload served here.
http.createServer = /** @type {typeof http.createServer} */ (
  /** @param {http.RequestListener} handler */
  (handler) =>
    createServer((req, res) => {
      if (req.url === "/readyz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ready");
        return;
      }
      handler(req, res);
    })
);
let url;
try {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(SUPERGRAPH_PATH, "utf8") });
  ({ url } = await startStandaloneServer(new ApolloServer({ gateway }), {
    listen: { port: Number(PORT), host: HOST },
  }));
} finally {
  http.createServer = createServer;
}
console.log(`apollo-gateway peer listening on ${url}`);
