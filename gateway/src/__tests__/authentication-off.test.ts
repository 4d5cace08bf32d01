import { buildSubgraphSchema } from "@apollo/subgraph";
import { postGraphQL } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { createSubgraphHttp, listen, type RequestContext, type RunningServer } from "@spx/runtime/server";
import { InternalTokenSigner } from "@spx/runtime/tokens";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { parse } from "graphql";
import { loadEnv } from "../env.js";
import { createGateway } from "../gateway.js";
import { loadSupergraph } from "../supergraph.js";

// The committed supergraph, with a stand-in for the population register in bench mode: it answers
// `person` with the name of the caller it served the request as.
const supergraph = loadSupergraph(SUPERGRAPH_FILE);
const population = buildSubgraphSchema([
  {
    typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
    type Query { person(idcs: ID!): Person }
    type Person @key(fields: "idcs") { idcs: ID firstName: String }
  `),
    resolvers: {
      Query: {
        person: (_root: unknown, args: { idcs: string }, context: RequestContext) => ({
          idcs: args.idcs,
          firstName: context.caller.sub,
        }),
      },
    },
  },
]);

const running: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const item of running.reverse()) {
    await item.close();
  }
});

async function start(): Promise<string> {
  const logger = createLogger("test", "silent");
  const key = InternalTokenSigner.generate();
  const subgraph = createSubgraphHttp({
    name: "population",
    schema: population,
    tokenKeys: key.keyringFor("population"),
    unauthenticated: "bench",
    logger,
    extendContext: (base) => base,
    ready: async () => true,
  });
  await subgraph.server.start();
  const subgraphHttp: RunningServer = await listen(subgraph.handler, 0);
  running.push({ close: () => subgraph.server.stop() }, subgraphHttp);
  const gateway = await createGateway({
    supergraphSdl: supergraph.sdl,
    subgraphs: supergraph.subgraphs,
    subgraphUrls: { population: `${subgraphHttp.url}/graphql` },
    authenticate: "off",
    tokenSigner: key,
    logger,
    // Authorization stays on: with nobody to authorize, it must let the request through untouched.
    authorization: "filter",
  });
  const gatewayHttp = await listen(gateway.handler, 0);
  running.push({ close: () => gateway.server.stop() }, gatewayHttp);
  return `${gatewayHttp.url}/graphql`;
}

describe("GATEWAY_AUTHENTICATION=off", () => {
  it("serves a request without a token from subgraphs in bench mode", async () => {
    const url = await start();
    const answer = await postGraphQL(url, { query: '{ person(idcs: "1234567890") { idcs firstName } }' });
    expect(answer.status).toBe(200);
    // The subgraph got no token and served the request as its benchmark caller.
    expect(answer.body).toEqual({ data: { person: { idcs: "1234567890", firstName: "benchmark" } } });
  });

  it("defaults to on, and is refused in production", () => {
    expect(loadEnv({}).authentication).toBe(true);
    expect(loadEnv({ GATEWAY_AUTHENTICATION: "off" }).authentication).toBe(false);
    expect(() => loadEnv({ NODE_ENV: "production", GATEWAY_AUTHENTICATION: "off" })).toThrow(
      /GATEWAY_AUTHENTICATION: off is for benchmarks and is refused in production/,
    );
  });
});
