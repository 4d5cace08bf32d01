import { EnvError } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";
import { InternalTokenSigner } from "../tokens/internal-token.js";
import { tokenKeyEntry } from "../tokens/token-keys.js";

const PRODUCTION = {
  NODE_ENV: "production",
  DIRECT_AID_DATABASE_URL: "postgresql://spx@db.example/direct_aid",
  GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/token-keys",
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

describe("the keys of the gateway's tokens", () => {
  const entry = tokenKeyEntry(InternalTokenSigner.generate().registerKey("direct-aid"));

  it("are GATEWAY_TOKEN_KEYS or GATEWAY_TOKEN_KEYS_FILE, one of them required in production", () => {
    const { GATEWAY_TOKEN_KEYS_FILE: _file, ...without } = PRODUCTION;
    expect(() => subgraphEnv("DIRECT_AID", 4004, without, asking)).toThrow(
      /GATEWAY_TOKEN_KEYS_FILE: required in production \(or GATEWAY_TOKEN_KEYS\)/,
    );
    expect(subgraphEnv("DIRECT_AID", 4004, PRODUCTION, asking).tokenKeys).toEqual({ file: "/etc/spx/token-keys" });
    const given = subgraphEnv("DIRECT_AID", 4004, { ...without, GATEWAY_TOKEN_KEYS: entry }, asking).tokenKeys;
    expect(given && "keys" in given ? given.keys.map((key) => key.kid) : []).toEqual([entry.split(".")[0]]);
    expect(() => subgraphEnv("DIRECT_AID", 4004, { ...PRODUCTION, GATEWAY_TOKEN_KEYS: entry }, asking)).toThrow(
      /set GATEWAY_TOKEN_KEYS or GATEWAY_TOKEN_KEYS_FILE, not both/,
    );
    // Unset in development: derived from the development secret under DATA_DIR.
    expect(subgraphEnv("DIRECT_AID", 4004, {}, asking).tokenKeys).toBeUndefined();
  });

  it("are refused when malformed, without the key in the message; GATEWAY_JWKS_URL is told to be replaced", () => {
    const broken = `${entry.slice(0, -2)}`;
    let message = "";
    try {
      subgraphEnv("DIRECT_AID", 4004, { GATEWAY_TOKEN_KEYS: broken }, asking);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/GATEWAY_TOKEN_KEYS: entry 1 is not kid.key/);
    expect(message).not.toContain(broken.slice(17));
    expect(() =>
      subgraphEnv("DIRECT_AID", 4004, { GATEWAY_JWKS_URL: "http://gateway:4000/.well-known/jwks.json" }, asking),
    ).toThrow(/GATEWAY_JWKS_URL: replaced by GATEWAY_TOKEN_KEYS_FILE/);
  });
});
