import { CLOCK_TOLERANCE_SECONDS } from "@spx/gateway/authenticate";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  jwtVerify,
} from "jose";
import { PERSON_360, type Person360, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import {
  type IdentityProvider,
  type ProviderClient,
  startIdentityProvider,
  TokenRequestError,
} from "./testkit/identity-provider.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * The gateway trusting a real OpenID provider (oidc-provider) the way it trusts one in production:
 * an issuer, an audience, pinned algorithms and the provider's JWKS over HTTP. Every token here
 * comes from a client-credentials request to the provider's token endpoint.
 */

const OTHER_AUDIENCE = "urn:spx:another-service";

/** The registers' own identities, as startSystem gives them to their graph clients. */
const SERVICES: Caller[] = [
  { sub: "service:social-registry", agency: "ANR", role: "SERVICE", purpose: "IDENTITY_CHECK" },
  { sub: "service:health-insurance", agency: "CNSS", role: "SERVICE", purpose: "AMO_ENROLMENT" },
  { sub: "service:direct-aid", agency: "ANSS", role: "SERVICE", purpose: "ASD_ELIGIBILITY" },
];

let op: IdentityProvider;
let system: RunningSystem;
let subject: ProgrammeSubject | undefined;
/** Issued at start-up with a one-second lifetime, shown to expire by the last test. */
let shortLived: { token: string; exp: number };

async function privateJwk() {
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  return exportJWK(privateKey);
}

beforeAll(async () => {
  const caseWorker = { agency: "ANSS", role: "CASE_WORKER" } as const;
  const clients: ProviderClient[] = [
    ...SERVICES.map((service) => ({
      clientId: service.sub,
      clientSecret: `secret-of-${service.sub}`,
      claims: { agency: service.agency, role: service.role, purpose: service.purpose },
    })),
    {
      clientId: "anss-case-worker",
      clientSecret: "s3cret-anss",
      // The case worker works in the region of the household the demo data puts in both programmes.
      claims: () => ({ ...caseWorker, region: subject?.region, purpose: defaultPurpose(caseWorker) }),
    },
    {
      clientId: "anr-system",
      clientPrivateJwk: await privateJwk(),
      claims: { agency: "ANR", role: "SYSTEM", purpose: defaultPurpose({ agency: "ANR", role: "SYSTEM" }) },
    },
    {
      clientId: "anr-short-lived",
      clientSecret: "s3cret-short",
      clientSecretMethod: "client_secret_post",
      claims: { agency: "ANR", role: "SYSTEM", purpose: defaultPurpose({ agency: "ANR", role: "SYSTEM" }) },
      accessTokenTtlSeconds: 1,
    },
    {
      // Another issuer's style of claims (Keycloak's): not this system's claim names.
      clientId: "keycloak-style",
      clientSecret: "s3cret-kc",
      claims: { azp: "keycloak-style", realm_access: { roles: ["SYSTEM"] }, resource_access: { anr: { roles: [] } } },
    },
  ];
  op = await startIdentityProvider({ clients, otherAudiences: [OTHER_AUDIENCE] });
  const token = await op.token("anr-short-lived");
  shortLived = { token, exp: decodeJwt(token).exp ?? 0 };
  system = await startSystem({
    label: "oidc",
    seedPersons: 800,
    seedHouseholds: true,
    seedProgrammes: true,
    identity: {
      issuer: op.issuer,
      jwksUri: op.jwksUri,
      audience: op.audience,
      algorithms: [op.algorithm],
      // jose waits 30 s between refetches on an unknown kid; the rotation test must not wait on it.
      jwksCooldownMs: 0,
      serviceToken: (identity) => op.token(identity.sub),
    },
  });
  subject = await programmeSubject(system);
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await op?.stop();
});

function expectUnauthenticated(result: Awaited<ReturnType<RunningSystem["query"]>>) {
  expect(result.status).toBe(401);
  expect(result.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  expect(result.body.data ?? null).toBeNull();
}

describe("caller tokens from a real OpenID provider", () => {
  it("publishes the endpoints the testkit names in its discovery document", async () => {
    const discovery = (await (await fetch(op.discoveryUri)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: op.issuer, jwks_uri: op.jwksUri, token_endpoint: op.tokenEndpoint });
  });

  it("issues an at+jwt signed with the provider's current key, for the gateway's audience", async () => {
    const token = await op.token("anss-case-worker");
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: op.algorithm, typ: "at+jwt", kid: op.currentKid() });
    expect(decodeJwt(token)).toMatchObject({
      iss: op.issuer,
      aud: op.audience,
      sub: "anss-case-worker",
      client_id: "anss-case-worker",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject?.region,
    });
  });

  it("answers the cross-programme view of a person to an ANSS case worker of the person's region", async () => {
    const token = await op.token("anss-case-worker");
    const { status, body } = await system.query<Person360>(token, PERSON_360, { idcs: subject?.idcs });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.person?.idcs).toBe(subject?.idcs);
    expect(body.data?.person?.healthCoverage?.regime).toBe("AMO_TADAMON");
    expect(body.data?.person?.household?.id).toBe(subject?.householdId);
    expect(body.data?.person?.household?.directAid?.status).toBe("ACTIVE");
  });

  it("answers ANR's system client, authenticated to the provider with private_key_jwt", async () => {
    const token = await op.token("anr-system");
    const { status, body } = await system.query<Person360>(
      token,
      "query($idcs: ID!) { person(idcs: $idcs) { idcs } }",
      {
        idcs: subject?.idcs,
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.person?.idcs).toBe(subject?.idcs);
  });

  it("follows the provider's key rotation without restarting the gateway", async () => {
    const query = "query($idcs: ID!) { person(idcs: $idcs) { idcs } }";
    const beforeUsed = await op.token("anr-system");
    const beforeKept = await op.token("anr-system");
    expect((await system.query<Person360>(beforeUsed, query, { idcs: subject?.idcs })).status).toBe(200);
    const oldKid = op.currentKid();

    const newKid = await op.rotate();
    expect(newKid).not.toBe(oldKid);
    expect(op.publishedKids()).toEqual([newKid, oldKid]);
    const after = await op.token("anr-system");
    expect(decodeProtectedHeader(after).kid).toBe(newKid);

    // The gateway has only the old key so far: the unknown kid makes it fetch the JWKS again.
    const rotated = await system.query<Person360>(after, query, { idcs: subject?.idcs });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data?.person?.idcs).toBe(subject?.idcs);
    // Tokens signed before the rotation stay valid while the old key is published.
    expect(decodeProtectedHeader(beforeKept).kid).toBe(oldKid);
    expect((await system.query<Person360>(beforeKept, query, { idcs: subject?.idcs })).status).toBe(200);
  });

  it("refuses an unknown client and a wrong secret at the token endpoint (invalid_client)", async () => {
    await expect(op.token("nobody", { clientSecret: "guess" })).rejects.toMatchObject({
      status: 401,
      error: "invalid_client",
    });
    const wrongSecret = await op.token("anss-case-worker", { clientSecret: "not-the-secret" }).catch((e) => e);
    expect(wrongSecret).toBeInstanceOf(TokenRequestError);
    expect(wrongSecret).toMatchObject({ status: 401, error: "invalid_client" });
  });

  it("refuses a token the provider issued for another audience", async () => {
    const token = await op.token("anr-system", { audience: OTHER_AUDIENCE });
    expect(decodeJwt(token).aud).toBe(OTHER_AUDIENCE);
    expectUnauthenticated(await system.query(token, "{ __typename }"));
  });

  it("refuses a token with another issuer's claim names when the issuer is configured with this system's", async () => {
    const token = await op.token("keycloak-style");
    expectUnauthenticated(await system.query(token, "{ __typename }"));
  });

  it("refuses the provider's token once it has expired, beyond the clock tolerance", async () => {
    const fresh = await op.token("anr-short-lived");
    expect(
      (await system.query(fresh, "query($idcs: ID!) { person(idcs: $idcs) { idcs } }", { idcs: subject?.idcs })).status,
    ).toBe(200);
    const waitMs = (shortLived.exp + CLOCK_TOLERANCE_SECONDS + 1) * 1000 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
    expectUnauthenticated(await system.query(shortLived.token, "{ __typename }"));
  }, 60_000);
});

describe("the test provider's keys", () => {
  let es: IdentityProvider;
  beforeAll(async () => {
    es = await startIdentityProvider({
      algorithm: "ES256",
      clients: [{ clientId: "anam-system", clientSecret: "s3cret-anam", claims: { agency: "ANAM", role: "SYSTEM" } }],
    });
  });
  afterAll(async () => {
    await es?.stop();
  });

  /** Verified against the JWKS as published at this moment. */
  async function verify(token: string) {
    const jwks = (await (await fetch(es.jwksUri)).json()) as JSONWebKeySet;
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
    return jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: es.issuer,
      audience: es.audience,
      algorithms: ["ES256"],
      typ: "at+jwt",
    });
  }

  it("signs with ES256 when asked and rotates in two steps: published, then signing, then the old key retired", async () => {
    const oldKid = es.currentKid();
    const first = await es.token("anam-system");
    expect(decodeProtectedHeader(first)).toMatchObject({ alg: "ES256", kid: oldKid });
    await expect(verify(first)).resolves.toMatchObject({ payload: { agency: "ANAM", role: "SYSTEM" } });

    const nextKid = await es.publishNextKey();
    expect(es.publishedKids()).toEqual([oldKid, nextKid]);
    expect(decodeProtectedHeader(await es.token("anam-system")).kid).toBe(oldKid);

    expect(await es.rotate()).toBe(nextKid);
    expect(es.publishedKids()).toEqual([nextKid, oldKid]);
    const rotated = await es.token("anam-system");
    expect(decodeProtectedHeader(rotated).kid).toBe(nextKid);
    await expect(verify(rotated)).resolves.toBeDefined();
    await expect(verify(first)).resolves.toBeDefined();

    await es.retireOldKeys();
    expect(es.publishedKids()).toEqual([nextKid]);
    await expect(verify(first)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    await expect(verify(rotated)).resolves.toBeDefined();
  });
});
