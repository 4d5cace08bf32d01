import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseIssuers } from "@spx/gateway/identity/issuers-file";
import { remoteIssuer } from "@spx/gateway/identity/trusted-issuers";
import { catalogue } from "@spx/runtime/access";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const QUERY = "{ persons(first: 3) { edges { node { idcs } } } }";

/** An identity provider's keys, its JWKS served over HTTP as a real one would, counting the fetches. */
async function identityProvider(alg: "RS256" | "ES256", jwksPath: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-key`, alg, use: "sig" };
  const fetched = { count: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url !== jwksPath) {
      res.writeHead(404).end();
      return;
    }
    fetched.count++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { privateKey, kid: jwk.kid, alg, base, jwksUri: `${base}${jwksPath}`, fetched, server };
}

type Provider = Awaited<ReturnType<typeof identityProvider>>;

function sign(provider: Provider, issuer: string, typ: string, payload: JWTPayload, audience: string | string[]) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: provider.alg, kid: provider.kid, typ })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(provider.privateKey);
}

let system: RunningSystem;
let keycloak: Provider;
let national: Provider;
let keycloakIssuer: string;
let nationalIssuer: string;
const rejected: string[] = [];

beforeAll(async () => {
  keycloak = await identityProvider("RS256", "/realms/cnss/protocol/openid-connect/certs");
  national = await identityProvider("ES256", "/jwks");
  keycloakIssuer = `${keycloak.base}/realms/cnss`;
  nationalIssuer = national.base;
  // What an operator writes in GATEWAY_ISSUERS_FILE.
  const file = {
    issuers: [
      {
        issuer: keycloakIssuer,
        jwksUri: keycloak.jwksUri,
        audience: "spx-gateway",
        algorithms: ["RS256"],
        tokenType: null,
        claims: {
          agency: { claim: "azp", map: { "cnss-batch": "CNSS" } },
          role: { claim: "realm_access.roles", map: { "cnss-system": "SYSTEM" } },
          purpose: { claim: "resource_access.spx-gateway.roles", map: { "purpose-amo": "AMO_ENROLMENT" } },
        },
      },
      {
        issuer: nationalIssuer,
        jwksUri: national.jwksUri,
        audience: "urn:spx:gateway",
        algorithms: ["ES256"],
        claims: {
          sub: { claim: "client_id" },
          agency: { claim: "client_id", map: { "cnss-batch": "CNSS" } },
          role: { claim: "scope", map: { "spx:system": "SYSTEM" } },
          purpose: { claim: "scope", map: { "purpose:amo": "AMO_ENROLMENT" } },
        },
      },
    ],
  };
  const issuers = parseIssuers(JSON.stringify(file), catalogue()).map(remoteIssuer);
  system = await startSystem({
    label: "issuers",
    seedPersons: 20,
    issuers,
    onTokenRejected: (reason) => rejected.push(reason),
  });
});
afterAll(async () => {
  await system?.stop();
  keycloak?.server.close();
  national?.server.close();
});

const keycloakToken = () =>
  sign(
    keycloak,
    keycloakIssuer,
    "JWT",
    {
      typ: "Bearer",
      azp: "cnss-batch",
      sub: "service-account-cnss-batch",
      scope: "profile email",
      realm_access: { roles: ["default-roles-cnss", "offline_access", "cnss-system"] },
      resource_access: { "spx-gateway": { roles: ["purpose-amo"] } },
    },
    ["spx-gateway", "account"],
  );

const nationalToken = (typ = "at+jwt") =>
  sign(
    national,
    nationalIssuer,
    typ,
    { client_id: "cnss-batch", sub: "cnss-batch", jti: "t-1", scope: "spx:system purpose:amo" },
    "urn:spx:gateway",
  );

describe("trusted issuers through the gateway", () => {
  it("serves the same grant to tokens of two issuers that name it differently", async () => {
    const reference = await system.query(
      await system.token({ sub: "test:cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" }),
      QUERY,
    );
    expect(reference.status).toBe(200);
    expect(reference.body.errors).toBeUndefined();
    for (const token of [await keycloakToken(), await nationalToken()]) {
      const { status, body } = await system.query(token, QUERY);
      expect(status).toBe(200);
      expect(body).toEqual(reference.body);
    }
    // Each issuer's keys came from its own JWKS over HTTP.
    expect(keycloak.fetched.count).toBeGreaterThan(0);
    expect(national.fetched.count).toBeGreaterThan(0);
    expect(rejected).toEqual([]);
  });

  it("refuses a token signed by one issuer that claims to be the other", async () => {
    const forged = await sign(
      keycloak,
      nationalIssuer,
      "at+jwt",
      { client_id: "cnss-batch", sub: "cnss-batch", scope: "spx:system purpose:amo" },
      "urn:spx:gateway",
    );
    const { status, body } = await system.query(forged, QUERY);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(body.data ?? null).toBeNull();
  });

  it("refuses a token without the header typ its issuer must send", async () => {
    const { status } = await system.query(await nationalToken("JWT"), QUERY);
    expect(status).toBe(401);
    expect(rejected.at(-1)).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  });

  it("answers 403 NO_GRANT to a token whose mapped caller the catalogue grants nothing", async () => {
    const token = await system.token(
      { sub: "test:anss-analyst", agency: "ANSS", role: "ANALYST" },
      { withoutPurpose: true },
    );
    const { status, body } = await system.query(token, QUERY, {}, { "x-purpose": "STATISTICS" });
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions?.code).toBe("NO_GRANT");
    expect(body.data ?? null).toBeNull();
  });
});
