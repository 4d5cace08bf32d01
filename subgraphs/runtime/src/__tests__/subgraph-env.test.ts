import { EnvError } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";

const PRODUCTION = {
  NODE_ENV: "production",
  DIRECT_AID_DATABASE_URL: "postgresql://spx@db.example/direct_aid",
  GATEWAY_JWKS_URL: "https://gateway.example/.well-known/jwks.json",
  REDIS_URL: "redis://redis.example:6379",
  GATEWAY_URL: "https://gateway.example/graphql",
  TOKEN_URL: "https://idp.example/oauth2/token",
  DIRECT_AID_CLIENT_ID: "spx-direct-aid",
  DIRECT_AID_CLIENT_KEY_FILE: "/etc/spx/direct-aid.jwk",
};
const asking = { asksGraph: true };

describe("a register's client settings", () => {
  it("in development: the gateway's development token endpoint, the register's name as client id", () => {
    const env = subgraphEnv("DIRECT_AID", 4004, { GATEWAY_URL: "http://127.0.0.1:5000/graphql" }, asking);
    expect(env.client).toMatchObject({
      tokenUrl: "http://127.0.0.1:5000/dev-issuer/token",
      clientId: "direct-aid",
      secret: undefined,
      keyFile: undefined,
    });
    expect(subgraphEnv("HEALTH_INSURANCE", 4003, {}, asking).client.tokenUrl).toBe(
      "http://127.0.0.1:4000/dev-issuer/token",
    );
  });

  it("in production: what is given, a key file in place of a secret", () => {
    const env = subgraphEnv("DIRECT_AID", 4004, PRODUCTION, asking);
    expect(env.client).toMatchObject({
      tokenUrl: "https://idp.example/oauth2/token",
      clientId: "spx-direct-aid",
      keyFile: "/etc/spx/direct-aid.jwk",
    });
    expect(env.production).toBe(true);
  });

  it("SINGLE_PROCESS=true stands in for REDIS_URL in production, and nothing else does", () => {
    const { REDIS_URL: _redis, ...withoutRedis } = PRODUCTION;
    expect(() => subgraphEnv("DIRECT_AID", 4004, withoutRedis, asking)).toThrow(/REDIS_URL: required in production/);
    expect(() => subgraphEnv("DIRECT_AID", 4004, { ...withoutRedis, SINGLE_PROCESS: "false" }, asking)).toThrow(
      EnvError,
    );
    expect(subgraphEnv("DIRECT_AID", 4004, { ...withoutRedis, SINGLE_PROCESS: "true" }, asking).singleProcess).toBe(
      true,
    );
  });
});

describe("demo data", () => {
  it("is seeded by default outside production, never by default in production, and refused there when asked", () => {
    expect(subgraphEnv("DIRECT_AID", 4004, {}, asking).demoSeed).toBe(true);
    expect(subgraphEnv("DIRECT_AID", 4004, { DEMO_SEED: "false" }, asking).demoSeed).toBe(false);
    expect(subgraphEnv("DIRECT_AID", 4004, PRODUCTION, asking).demoSeed).toBe(false);
    expect(subgraphEnv("DIRECT_AID", 4004, { ...PRODUCTION, DEMO_SEED: "false" }, asking).demoSeed).toBe(false);
    expect(() => subgraphEnv("DIRECT_AID", 4004, { ...PRODUCTION, DEMO_SEED: "true" }, asking)).toThrow(
      /DEMO_SEED: true is for development and is refused in production/,
    );
  });
});

describe("statistics settings", () => {
  it("refresh snapshots every 60 s with up to 60 s per statement by default; the replaced maximum age is refused by name", () => {
    expect(subgraphEnv("POPULATION", 4001, {})).toMatchObject({
      statisticsRefreshSeconds: 60,
      statisticsRefreshTimeoutMs: 60_000,
    });
    expect(
      subgraphEnv("POPULATION", 4001, { STATISTICS_REFRESH_SECONDS: "5", STATISTICS_REFRESH_TIMEOUT_MS: "600000" }),
    ).toMatchObject({ statisticsRefreshSeconds: 5, statisticsRefreshTimeoutMs: 600_000 });
    expect(() => subgraphEnv("POPULATION", 4001, { STATISTICS_MAX_AGE_SECONDS: "60" })).toThrow(
      /STATISTICS_MAX_AGE_SECONDS.*replaced by STATISTICS_REFRESH_SECONDS/s,
    );
    expect(() => subgraphEnv("POPULATION", 4001, { STATISTICS_REFRESH_SECONDS: "0" })).toThrow(EnvError);
  });
});
