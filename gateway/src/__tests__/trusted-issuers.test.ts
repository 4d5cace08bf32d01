import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { CATALOGUE_PATH, catalogue, indexCatalogue } from "@spx/runtime/access";
import { EnvError } from "@spx/runtime/config";
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { createAuthenticator } from "../authenticate.js";
import { type ClaimsMapping, mapClaims } from "../identity/claims-mapping.js";
import { parseIssuers } from "../identity/issuers-file.js";
import type { TrustedIssuer } from "../identity/trusted-issuers.js";

const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;

/** An agency's Keycloak realm: header `typ: JWT`, realm and client roles, the client in `azp`. */
const KEYCLOAK = "https://sso.anss.example/realms/anss";
const KEYCLOAK_CLAIMS: ClaimsMapping = {
  agency: { value: "ANSS" },
  role: { claim: "realm_access.roles", map: { "anss-case-worker": "CASE_WORKER", "anss-system": "SYSTEM" } },
  region: { claim: "resource_access.spx-gateway.roles", map: { "region-06": "06", "region-01": "01" } },
  purpose: { claim: "spx_purpose" },
};

/** A national authorization server issuing RFC 9068 access tokens to agencies' systems. */
const NATIONAL = "https://as.identity.example";
const NATIONAL_CLAIMS: ClaimsMapping = {
  agency: { claim: "client_id", map: { "cnss-batch": "CNSS", "anss-batch": "ANSS" } },
  role: { claim: "scope", map: { "spx:system": "SYSTEM", "spx:case-worker": "CASE_WORKER" } },
  region: { claim: "region" },
  purpose: { claim: "scope", map: { "purpose:asd-eligibility": "ASD_ELIGIBILITY", "purpose:amo": "AMO_ENROLMENT" } },
};

const keycloakToken = (): JWTPayload => ({
  typ: "Bearer",
  azp: "anss-portal",
  sub: "6f1c2d0e-kc-user",
  preferred_username: "worker9",
  scope: "openid profile email",
  realm_access: { roles: ["offline_access", "uma_authorization", "anss-case-worker"] },
  resource_access: { "spx-gateway": { roles: ["region-06"] }, account: { roles: ["view-profile"] } },
  spx_purpose: "CASE_MANAGEMENT",
});

const nationalToken = (): JWTPayload => ({
  client_id: "anss-batch",
  sub: "anss-batch",
  jti: "c1",
  scope: "spx:case-worker purpose:asd-eligibility",
  region: "06",
});

async function issuerKeys(alg: "RS256" | "ES256") {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-1`, alg };
  return { privateKey, kid: jwk.kid, keys: createLocalJWKSet({ keys: [jwk] }) };
}

async function setup() {
  const keycloak = await issuerKeys("RS256");
  const national = await issuerKeys("ES256");
  const issuers: TrustedIssuer[] = [
    {
      issuer: KEYCLOAK,
      keys: keycloak.keys,
      audience: "spx-gateway",
      algorithms: ["RS256"],
      tokenType: null,
      clockToleranceSeconds: 30,
      claims: KEYCLOAK_CLAIMS,
    },
    {
      issuer: NATIONAL,
      keys: national.keys,
      audience: "spx-gateway",
      algorithms: ["ES256"],
      tokenType: "at+jwt",
      clockToleranceSeconds: 30,
      claims: NATIONAL_CLAIMS,
    },
  ];
  const sign = (
    which: "keycloak" | "national",
    payload: JWTPayload,
    { ttl = 300, iatOffset = 0, typ, iss }: { ttl?: number; iatOffset?: number; typ?: string; iss?: string } = {},
  ) => {
    const { privateKey, kid } = which === "keycloak" ? keycloak : national;
    const iat = Math.floor(Date.now() / 1000) + iatOffset;
    return new SignJWT(payload)
      .setProtectedHeader({
        alg: which === "keycloak" ? "RS256" : "ES256",
        kid,
        typ: typ ?? (which === "keycloak" ? "JWT" : "at+jwt"),
      })
      .setIssuer(iss ?? (which === "keycloak" ? KEYCLOAK : NATIONAL))
      .setAudience(which === "keycloak" ? ["spx-gateway", "account"] : "spx-gateway")
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(privateKey);
  };
  const rejected: string[] = [];
  const authenticate = createAuthenticator({ issuers }, (reason) => rejected.push(reason));
  return { issuers, sign, authenticate, rejected };
}

describe("claims mapping", () => {
  it("maps a Keycloak token and an at+jwt token, each by its issuer's mapping, to the same grant", async () => {
    const { sign, authenticate, rejected } = await setup();
    await expect(authenticate(request(await sign("keycloak", keycloakToken())))).resolves.toEqual({
      sub: "6f1c2d0e-kc-user",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: "06",
      purpose: "CASE_MANAGEMENT",
    });
    await expect(authenticate(request(await sign("national", nationalToken())))).resolves.toEqual({
      sub: "anss-batch",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: "06",
      purpose: "ASD_ELIGIBILITY",
    });
    expect(rejected).toEqual([]);
  });

  it("refuses a list whose mapped values disagree, instead of picking one", () => {
    const payload = { ...keycloakToken(), realm_access: { roles: ["anss-case-worker", "anss-system"] } };
    expect(() => mapClaims(payload, KEYCLOAK_CLAIMS)).toThrow("role: ambiguous");
    // Two emitted values that mean the same role are not ambiguous.
    const twice = { ...keycloakToken(), realm_access: { roles: ["anss-case-worker", "anss-case-worker"] } };
    expect(mapClaims(twice, KEYCLOAK_CLAIMS)).toMatchObject({ role: "CASE_WORKER" });
  });

  it("refuses an ambiguous token at the gateway with 401, the reason naming the claim only", async () => {
    const { sign, authenticate, rejected } = await setup();
    const token = await sign("national", { ...nationalToken(), scope: "spx:system spx:case-worker" });
    await expect(authenticate(request(token))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(rejected).toEqual(["claims: role: ambiguous (scope maps to 2 values)"]);
  });

  it("refuses a token whose issuer is not trusted, and one that claims a trusted issuer but another's keys", async () => {
    const { sign, authenticate, rejected, issuers } = await setup();
    const stranger = await issuerKeys("ES256");
    const foreign = await new SignJWT(nationalToken())
      .setProtectedHeader({ alg: "ES256", kid: stranger.kid, typ: "at+jwt" })
      .setIssuer("https://elsewhere.example")
      .setAudience("spx-gateway")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(stranger.privateKey);
    await expect(authenticate(request(foreign))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    // A Keycloak-signed token naming the national issuer is opened with the national keys only.
    const keycloakSigned = await sign("keycloak", nationalToken(), { typ: "at+jwt", iss: NATIONAL });
    await expect(authenticate(request(keycloakSigned))).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
    });
    expect(rejected).toEqual(["unknown issuer", "ERR_JOSE_ALG_NOT_ALLOWED"]);
    expect(issuers).toHaveLength(2);
  });

  it("checks `typ` where the issuer says so, and not for Keycloak", async () => {
    const { sign, authenticate, rejected } = await setup();
    const plain = await sign("national", nationalToken(), { typ: "JWT" });
    await expect(authenticate(request(plain))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(rejected).toEqual(["ERR_JWT_CLAIM_VALIDATION_FAILED"]);
  });

  it("refuses a token that maps to no grant of the catalogue with 403 NO_GRANT", async () => {
    const { sign, issuers } = await setup();
    // The national issuer's ANSS clients mapped to analysts: a well-formed caller the catalogue grants nothing.
    const analysts: ClaimsMapping = {
      ...NATIONAL_CLAIMS,
      role: { value: "ANALYST" },
      purpose: { value: "STATISTICS" },
    };
    const rejected: string[] = [];
    const authenticate = createAuthenticator(
      { issuers: issuers.map((i) => (i.issuer === NATIONAL ? { ...i, claims: analysts } : i)) },
      (reason) => rejected.push(reason),
    );
    const token = await sign("national", nationalToken());
    for (let i = 0; i < 2; i++) {
      await expect(authenticate(request(token))).rejects.toMatchObject({
        extensions: { code: "NO_GRANT", http: { status: 403 } },
      });
    }
    expect(rejected).toEqual(["no grant", "no grant"]);
  });

  it("refuses an iat in the future beyond the tolerance, and a lifetime over the grant's maximum", async () => {
    const { sign, authenticate, rejected } = await setup();
    const future = await sign("keycloak", keycloakToken(), { iatOffset: 120 });
    await expect(authenticate(request(future))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    // Within the tolerance a fast clock is forgiven.
    await expect(
      authenticate(request(await sign("keycloak", keycloakToken(), { iatOffset: 20 }))),
    ).resolves.toBeTruthy();
    const long = await sign("keycloak", keycloakToken(), { ttl: 3601 });
    await expect(authenticate(request(long))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(authenticate(request(await sign("keycloak", keycloakToken(), { ttl: 3600 })))).resolves.toBeTruthy();
    expect(rejected).toEqual(["issued in the future", "lifetime over 3600 s"]);
  });
});

describe("issuers file", () => {
  const entry = {
    issuer: KEYCLOAK,
    jwksUri: `${KEYCLOAK}/protocol/openid-connect/certs`,
    audience: "spx-gateway",
    algorithms: ["RS256"],
    tokenType: null,
    claims: KEYCLOAK_CLAIMS,
  };

  it("reads issuers with their defaults", () => {
    const [keycloak, national] = parseIssuers(
      JSON.stringify({ issuers: [entry, { ...entry, issuer: NATIONAL, tokenType: undefined, claims: undefined }] }),
      catalogue(),
    );
    expect(keycloak).toMatchObject({ tokenType: null, clockToleranceSeconds: 30 });
    expect(national).toMatchObject({ tokenType: "at+jwt", claims: { role: { claim: "role" } } });
  });

  it("refuses an issuer trusted twice", () => {
    expect(() => parseIssuers(JSON.stringify({ issuers: [entry, entry] }), catalogue())).toThrow(
      expect.objectContaining({ issues: ["GATEWAY_ISSUERS_FILE: issuers.1.issuer: is trusted twice"] }),
    );
  });

  it("refuses a defective file with one line per problem", () => {
    const bad = {
      issuers: [
        {
          ...entry,
          algorithms: ["none"],
          clockToleranceSeconds: 300,
          claims: {
            ...KEYCLOAK_CLAIMS,
            agency: { value: "NOBODY" },
            role: { claim: "realm_access.roles", map: { admin: "ADMIN" } },
          },
        },
      ],
    };
    let thrown: unknown;
    try {
      parseIssuers(JSON.stringify(bad), catalogue());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnvError);
    const issues = (thrown as EnvError).issues;
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^GATEWAY_ISSUERS_FILE: issuers\.0\.algorithms\.0: /);
    expect(issues[1]).toMatch(/^GATEWAY_ISSUERS_FILE: issuers\.0\.clockToleranceSeconds: /);
    // The shape being right, the mapping is checked against the catalogue.
    const unknownTargets = { issuers: [{ ...entry, claims: bad.issuers[0]?.claims }] };
    expect(() => parseIssuers(JSON.stringify(unknownTargets), catalogue())).toThrow(
      expect.objectContaining({
        issues: [
          'GATEWAY_ISSUERS_FILE: issuers.0.claims.agency: "NOBODY" is not an agency of the catalogue',
          'GATEWAY_ISSUERS_FILE: issuers.0.claims.role: "ADMIN" is not a role',
        ],
      }),
    );
  });
});

describe("agencies are data", () => {
  it("an agency added to the catalogue is trusted with no code change; an unlisted one gets nothing", async () => {
    const { sign, issuers, rejected } = await setup();
    const committed = JSON.parse(readFileSync(CATALOGUE_PATH, "utf8")) as {
      agencies: unknown[];
      grants: { agency: string | null; role: string }[];
    };
    const cnssSystem = committed.grants.find((g) => g.agency === "CNSS" && g.role === "SYSTEM");
    const onboarded = {
      ...committed,
      agencies: [
        ...committed.agencies,
        { code: "CNOPS", name: "Caisse Nationale des Organismes de Prévoyance Sociale", kind: "health-insurer" },
      ],
      grants: [...committed.grants, { ...cnssSystem, agency: "CNOPS" }],
    };
    const index = indexCatalogue(JSON.stringify(onboarded));
    const mapping: ClaimsMapping = {
      ...NATIONAL_CLAIMS,
      agency: { claim: "client_id", map: { "cnops-batch": "CNOPS" } },
      purpose: { claim: "scope", map: { "purpose:amo": "AMO_ENROLMENT" } },
    };
    const withCnops = issuers.map((i) => (i.issuer === NATIONAL ? { ...i, claims: mapping } : i));
    const cnops = await sign("national", {
      client_id: "cnops-batch",
      sub: "cnops-batch",
      scope: "spx:system purpose:amo",
    });
    const onboardedGateway = createAuthenticator({ issuers: withCnops, catalogue: index }, (r) => rejected.push(r));
    await expect(onboardedGateway(request(cnops))).resolves.toEqual({
      sub: "cnops-batch",
      agency: "CNOPS",
      role: "SYSTEM",
      purpose: "AMO_ENROLMENT",
    });
    expect(index.accessOf({ agency: "CNOPS", role: "SYSTEM" }).scopes).toContain("health:coverage");
    // The committed catalogue does not list CNOPS: the same token gets nothing.
    const committedGateway = createAuthenticator({ issuers: withCnops }, (r) => rejected.push(r));
    await expect(committedGateway(request(cnops))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(rejected).toEqual(["unlisted agency"]);
  });
});
