import { generateSigningKey, signInternalToken } from "@spx/runtime/tokens";
import { SignJWT } from "jose";
import { AUDIENCE, ISSUER, type RunningSystem, startSystem } from "./testkit/start-system.js";

const QUERY = "{ persons(first: 2) { edges { node { idcs } } } }";
const anr = { sub: "test:anr", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" } as const;

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "authn", seedPersons: 50 });
});
afterAll(async () => {
  await system?.stop();
});

function expectUnauthenticated(result: Awaited<ReturnType<RunningSystem["query"]>>) {
  expect(result.status).toBe(401);
  expect(result.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  expect(result.body.data ?? null).toBeNull();
}

describe("gateway authentication", () => {
  it("serves an authenticated caller", async () => {
    const result = await system.query(await system.token(anr), QUERY);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });

  it("answers 401 without a token", async () => {
    expectUnauthenticated(await system.query(null, QUERY));
  });

  it("answers 401 to a malformed Authorization header", async () => {
    expectUnauthenticated(await system.query(null, QUERY, {}, { authorization: "Basic YWRtaW46YWRtaW4=" }));
  });

  it("answers 401 to an expired token, beyond the clock tolerance", async () => {
    const token = await system.token(anr, { ttlSeconds: 60, now: Date.now() - 5 * 60_000 });
    expectUnauthenticated(await system.query(token, QUERY));
  });

  it("answers 401 to a token signed by another key", async () => {
    const { key } = await generateSigningKey();
    const forged = await new SignJWT({ agency: "ANR", role: "SYSTEM" })
      .setProtectedHeader({ alg: "EdDSA", kid: system.issuerKey.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("attacker")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key.privateKey);
    expectUnauthenticated(await system.query(forged, QUERY));
  });

  it("answers 401 to an unsigned token (alg: none)", async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: "attacker",
      agency: "ANR",
      role: "SYSTEM",
      iat: now,
      exp: now + 300,
    })}.`;
    expectUnauthenticated(await system.query(unsigned, QUERY));
  });

  it("answers 401 to a token for another audience or from another issuer", async () => {
    const { mintToken } = await import("@spx/runtime/tokens");
    const otherAudience = await mintToken(system.issuerKey, anr, { issuer: ISSUER, audience: "someone-else" });
    expectUnauthenticated(await system.query(otherAudience, QUERY));
    const otherIssuer = await mintToken(system.issuerKey, anr, { issuer: "urn:other", audience: AUDIENCE });
    expectUnauthenticated(await system.query(otherIssuer, QUERY));
  });

  it("answers 401 to a token whose claims break the rules (a case worker without a region)", async () => {
    const token = await new SignJWT({ agency: "ANSS", role: "CASE_WORKER" })
      .setProtectedHeader({ alg: "EdDSA", kid: system.issuerKey.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("worker")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(system.issuerKey.privateKey);
    expectUnauthenticated(await system.query(token, QUERY));
  });

  it("answers 401 to a token without an expiry", async () => {
    const token = await new SignJWT({ agency: "ANR", role: "SYSTEM" })
      .setProtectedHeader({ alg: "EdDSA", kid: system.issuerKey.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("forever")
      .setIssuedAt()
      .sign(system.issuerKey.privateKey);
    expectUnauthenticated(await system.query(token, QUERY));
  });
});

describe("subgraphs are not reachable around the gateway", () => {
  async function direct(query: string, token?: string) {
    const response = await fetch(`${system.populationUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
    };
  }

  const ENTITIES = '{ _entities(representations: [{ __typename: "Person", idcs: "1000000009" }]) { __typename } }';

  it.each([QUERY, ENTITIES, "{ _service { sdl } }"])("refuses %s without a token", async (query) => {
    const { status, body } = await direct(query);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a caller's own (valid) token: only gateway-minted tokens open a subgraph", async () => {
    const { status } = await direct(ENTITIES, await system.token(anr));
    expect(status).toBe(401);
  });

  it("refuses a gateway token minted for another subgraph", async () => {
    const token = await signInternalToken(system.gatewayKey, "direct-aid", {
      caller: anr,
      requestId: "x",
      request: { query: ENTITIES },
    });
    const { status } = await direct(ENTITIES, token);
    expect(status).toBe(401);
  });

  it("opens a subgraph to a genuine gateway token only with the document it was minted for", async () => {
    const token = await signInternalToken(system.gatewayKey, "population", {
      caller: anr,
      requestId: "x",
      request: { query: QUERY },
    });
    expect((await direct(QUERY, token)).status).toBe(200);
    const replayed = await direct("{ persons(first: 100) { edges { node { idcs phone } } } }", token);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
