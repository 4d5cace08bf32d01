import { GraphQLBoolean, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { SCOPE_NAMES } from "../access/access-vocabulary.js";
import { postGraphQL } from "../clients/graphql-client.js";
import { EnvError } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";
import { createLogger } from "../logging/logger.js";
import { listen, type RunningServer } from "../server/http-server.js";
import { createSubgraphHttp, type RequestContext } from "../server/subgraph-server.js";
import { InternalTokenSigner, signInternalToken } from "../tokens/internal-token.js";
import { CASE_WORKER } from "./case-worker.js";

// A subgraph reduced to what bench mode is about: who the request is served as.
const WhoAmI = new GraphQLObjectType<RequestContext>({
  name: "WhoAmI",
  fields: {
    sub: { type: GraphQLString, resolve: (context) => context.caller.sub },
    purpose: { type: GraphQLString, resolve: (context) => context.caller.purpose },
    grant: { type: GraphQLString, resolve: (context) => context.access.key },
    everyScope: {
      type: GraphQLBoolean,
      resolve: (context) => SCOPE_NAMES.every((scope) => context.access.scopes.has(scope)),
    },
    nationwide: { type: GraphQLBoolean, resolve: (context) => context.access.policies.has("nationwide") },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType<unknown, RequestContext>({
    name: "Query",
    fields: { whoami: { type: WhoAmI, resolve: (_root, _args, context) => context } },
  }),
});
const QUERY = "{ whoami { sub purpose grant everyScope nationwide } }";

async function startSubgraph(unauthenticated: "refuse" | "bench" | undefined) {
  const key = InternalTokenSigner.generate();
  const logged: string[] = [];
  const { server, handler } = createSubgraphHttp({
    name: "population",
    schema,
    tokenKeys: key.keyringFor("population"),
    ...(unauthenticated ? { unauthenticated } : {}),
    logger: createLogger("population", "warn", { write: (line: string) => logged.push(line) }),
    extendContext: (base) => base,
    ready: async () => true,
  });
  await server.start();
  const running = await listen(handler, 0);
  return { key, logged, running, server, url: `${running.url}/graphql` };
}

describe("tokenless requests to a subgraph", () => {
  const started: { running: RunningServer; server: { stop(): Promise<void> } }[] = [];
  const start = async (mode: "refuse" | "bench" | undefined) => {
    const subgraph = await startSubgraph(mode);
    started.push(subgraph);
    return subgraph;
  };
  afterEach(async () => {
    for (const { running, server } of started.splice(0)) {
      await running.close();
      await server.stop();
    }
  });

  it("are refused by default", async () => {
    const { url, logged } = await start(undefined);
    const answer = await postGraphQL(url, { query: QUERY });
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(answer.body.data ?? null).toBeNull();
    expect(logged.join("")).not.toContain("BENCHMARK MODE");
  });

  it("are served in bench mode as the benchmark caller, allowed every scope nationwide, with a warning", async () => {
    const { url, logged } = await start("bench");
    expect(logged.join("")).toContain("BENCHMARK MODE");
    const answer = await postGraphQL(url, { query: QUERY });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: {
        whoami: { sub: "benchmark", purpose: "STATISTICS", grant: "BENCHMARK", everyScope: true, nationwide: true },
      },
    });
  });

  it("still verify every token in bench mode: only an absent header is open", async () => {
    const { url, key } = await start("bench");
    const forger = InternalTokenSigner.generate();
    const sign = (signer: InternalTokenSigner, query: string) =>
      signInternalToken(signer, "population", { caller: CASE_WORKER, requestId: "r", request: { query } });
    for (const authorization of [
      "Bearer not-a-token",
      "Basic YmVuY2g6YmVuY2g=",
      "",
      `Bearer ${await sign(forger, QUERY)}`,
      // Minted by the gateway, but for another document.
      `Bearer ${await sign(key, "{ whoami { sub } }")}`,
    ]) {
      const answer = await postGraphQL(url, { query: QUERY }, { authorization });
      expect({ authorization, status: answer.status, code: answer.body.errors?.[0]?.extensions?.code }).toEqual({
        authorization,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
    // A good token is served as its own caller, exactly as without bench mode.
    const answer = await postGraphQL(url, { query: QUERY }, { authorization: `Bearer ${await sign(key, QUERY)}` });
    expect(answer.body).toEqual({
      data: {
        whoami: {
          sub: "worker-17",
          purpose: "CASE_MANAGEMENT",
          grant: "ANSS/CASE_WORKER",
          everyScope: false,
          nationwide: false,
        },
      },
    });
  });
});

describe("SUBGRAPH_UNAUTHENTICATED", () => {
  it("defaults to refuse", () => {
    expect(subgraphEnv("POPULATION", 4001, {}).unauthenticated).toBe("refuse");
  });

  it("is bench only outside production: a production subgraph refuses to start with it", () => {
    expect(subgraphEnv("POPULATION", 4001, { SUBGRAPH_UNAUTHENTICATED: "bench" }).unauthenticated).toBe("bench");
    // Everything production requires of a register, so that only the setting under test differs.
    const settings = {
      NODE_ENV: "production",
      POPULATION_DATABASE_URL: "postgresql://spx@db.example/population",
      GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/token-keys",
      SINGLE_PROCESS: "true",
    };
    expect(subgraphEnv("POPULATION", 4001, { ...settings, SUBGRAPH_UNAUTHENTICATED: "refuse" }).unauthenticated).toBe(
      "refuse",
    );
    const production = () =>
      subgraphEnv("POPULATION", 4001, { NODE_ENV: "production", SUBGRAPH_UNAUTHENTICATED: "bench" });
    expect(production).toThrow(EnvError);
    expect(production).toThrow(/SUBGRAPH_UNAUTHENTICATED: bench is for benchmarks and is refused in production/);
    expect(() => subgraphEnv("POPULATION", 4001, { SUBGRAPH_UNAUTHENTICATED: "open" })).toThrow(EnvError);
  });
});
