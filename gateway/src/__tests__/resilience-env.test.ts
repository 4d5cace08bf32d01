import { EnvError } from "@spx/runtime/config";
import { loadEnv } from "../env.js";

describe("the gateway's timeouts and circuits in the environment", () => {
  it("default to the ladder: 10 s request, 3 s per subgraph, circuits at half of 5 calls", () => {
    const env = loadEnv({});
    expect(env.resilience).toEqual({
      requestTimeoutMs: 10_000,
      subgraphTimeoutMs: 3_000,
      subgraphTimeoutsMs: {},
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 5, windowMs: 10_000, resetTimeoutMs: 5_000 },
    });
    expect(env.databaseTimeouts).toEqual({
      connectMs: 2_000,
      statementMs: 2_000,
      lockMs: 1_000,
      idleInTransactionMs: 10_000,
      queryMs: 2_500,
    });
  });

  it("take a timeout per subgraph, an empty one meaning the general one", () => {
    const env = loadEnv({ SUBGRAPH_TIMEOUT_MS: "2000", SOCIAL_REGISTRY_TIMEOUT_MS: "6000", POPULATION_TIMEOUT_MS: "" });
    expect(env.resilience.subgraphTimeoutMs).toBe(2_000);
    expect(env.resilience.subgraphTimeoutsMs).toEqual({ "social-registry": 6_000 });
  });

  it("refuse a request deadline that a subgraph call could outlast, and a client wait shorter than the server's", () => {
    expect(() => loadEnv({ GATEWAY_REQUEST_TIMEOUT_MS: "5000", DIRECT_AID_TIMEOUT_MS: "5000" })).toThrow(EnvError);
    expect(() => loadEnv({ DATABASE_STATEMENT_TIMEOUT_MS: "2500" })).toThrow(/DATABASE_QUERY_TIMEOUT_MS/);
    expect(() => loadEnv({ SUBGRAPH_TIMEOUT_MS: "0" })).toThrow(/SUBGRAPH_TIMEOUT_MS/);
  });
});
