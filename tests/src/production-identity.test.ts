import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type PostedGraphQL, postGraphQL } from "@spx/runtime/clients";
import {
  DEFAULT_AUDIENCE,
  DEV_ISSUER,
  deriveRegisterKey,
  generateSigningKey,
  mintToken,
  tokenKeyEntry,
  tokenSecretKid,
} from "@spx/runtime/tokens";
import { TRUSTED_DOCUMENTS_DIR } from "@spx/schema";
import { type TestDatabase, testDatabaseKind } from "@spx/testkit/test-database";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { type CapturingProxy, capturingProxy } from "./testkit/capturing-proxy.js";
import {
  declare,
  livingConditions,
  PERSON_360,
  type Person360,
  registerHousehold,
  registerPerson,
  SAFI,
} from "./testkit/fixtures.js";
import { type IdentityProvider, type ProviderClient, startIdentityProvider } from "./testkit/identity-provider.js";
import {
  accessLogProductionSettings,
  freePort,
  type SeededDatabases,
  type ServiceProcess,
  seedProductionDatabases,
  startServiceProcess,
} from "./testkit/production-system.js";

/*
 * The whole system as separate processes, each with NODE_ENV=production and only the settings an
 * operator gives it, trusting a real OpenID provider (oidc-provider, in this process): the
 * registers get their own tokens from it by client credentials, the gateway maps its tokens'
 * claims through a GATEWAY_ISSUERS_FILE. Needs PostgreSQL (TEST_DATABASE_URL) and Redis.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const DOCUMENTS = TRUSTED_DOCUMENTS_DIR;
/** The README's demo person: head of a household in AMO-Tadamon and in direct aid, region 02. */
const DEMO_PERSON = { idcs: "1062609475", region: "02" };
/** The first persons of the demo seed: enough to hold the demo person and their household. */
const SEEDED_PERSONS = 400;
/** jose's pause before it fetches a JWKS again for an unknown kid (createRemoteJWKSet's default). */
const JWKS_COOLDOWN_MS = 30_000;

/*
 * Client ids, roles and purposes as the identity provider names them: not this system's claim
 * names nor its values. The issuers file maps them (client_id to agency, a `roles` list to role, a
 * custom claim to region, another to purpose).
 */
const CLIENTS = {
  caseWorker: "anss-agent-casablanca",
  cnss: "cnss-batch",
  anr: "anr-civil-registration",
  anrAgent: "anr-agent-safi",
  cnssAgent: "cnss-agent-safi",
  anssAgent: "anss-agent-safi",
  socialRegistry: "spx-rsu",
  healthInsurance: "spx-amo",
  directAid: "spx-asd",
} as const;
const AGENCY_OF_CLIENT: Record<string, string> = {
  [CLIENTS.caseWorker]: "ANSS",
  [CLIENTS.cnss]: "CNSS",
  [CLIENTS.anr]: "ANR",
  [CLIENTS.anrAgent]: "ANR",
  [CLIENTS.cnssAgent]: "CNSS",
  [CLIENTS.anssAgent]: "ANSS",
  [CLIENTS.socialRegistry]: "ANR",
  [CLIENTS.healthInsurance]: "CNSS",
  [CLIENTS.directAid]: "ANSS",
};
const ROLE_OF_GROUP = { "field-agent": "CASE_WORKER", "batch-system": "SYSTEM", "register-service": "SERVICE" };
const PURPOSE_OF_MISSION = {
  "social-case-follow-up": "CASE_MANAGEMENT",
  "amo-enrolment": "AMO_ENROLMENT",
  "civil-registration": "REGISTRATION",
  "identity-check": "IDENTITY_CHECK",
  "direct-aid-eligibility": "ASD_ELIGIBILITY",
};
const claimsOf = (group: keyof typeof ROLE_OF_GROUP, mission: keyof typeof PURPOSE_OF_MISSION, region?: string) => ({
  roles: ["offline_access", group],
  spx: { mission, ...(region ? { office_region: region } : {}) },
});

const ENROLL = /* GraphQL */ `
  mutation($id: ID!, $key: String) {
    enrollAmoTadamon(householdId: $id, idempotencyKey: $key) {
      affiliation { id regime payer status covered { idcs role } }
    }
  }
`;
const APPLY = /* GraphQL */ `
  mutation($id: ID!, $key: String) {
    applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: false, paymentInstitution: BARID_BANK }, idempotencyKey: $key) {
      decision
    }
  }
`;
const IDENTITY = "query($idcs: ID!) { person(idcs: $idcs) { idcs } }";

const onPostgres = testDatabaseKind() === "postgres";
const describeOnPostgres = onPostgres ? describe : describe.skip;

let op: IdentityProvider | undefined;
let databases: SeededDatabases | undefined;
let proxy: CapturingProxy | undefined;
const processes: ServiceProcess[] = [];
let dir = "";
const dataDirs: Record<string, string> = {};
let gatewayUrl = "";
const urls: Record<string, string> = {};
/** When the gateway first served a caller: it had fetched the provider's JWKS by then. */
let firstVerificationAt = 0;
/** Signed before the provider rotates its key, presented to the gateway only afterwards. */
let signedBeforeRotation = "";
/** The keys the gateway is given: its own, the next one, the social register's attestation key. */
let publishedKids = { token: "", attestation: "" };
let tokenSecret = Buffer.alloc(0);

async function privateJwk(algorithm: "EdDSA" | "ES256") {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  return exportJWK(privateKey);
}

/** The gateway's answer; the first one served shows that it has fetched the provider's JWKS by then. */
async function answered<Data>(posted: Promise<PostedGraphQL<Data>>): Promise<PostedGraphQL<Data>> {
  const result = await posted;
  if (result.status === 200 && !firstVerificationAt) {
    firstVerificationAt = Date.now();
  }
  return result;
}

const query = <Data>(token: string | null, document: string, variables?: Record<string, unknown>) =>
  answered(
    postGraphQL<Data>(
      `${gatewayUrl}/graphql`,
      { query: document, ...(variables ? { variables } : {}) },
      token ? { authorization: `Bearer ${token}` } : {},
    ),
  );
const gateway = { query };

/** A registered document of the agency's manifest (schema/trusted-documents), sent by its id. */
const byId = <Data>(token: string, agency: string, name: string, variables?: Record<string, unknown>) => {
  const manifest = JSON.parse(readFileSync(path.join(DOCUMENTS, `${agency}.json`), "utf8")) as {
    operations: { id: string; name: string }[];
  };
  const id = manifest.operations.find((operation) => operation.name === name)?.id;
  if (!id) {
    throw new Error(`${agency} has no registered document ${name}`);
  }
  return answered(
    postGraphQL<Data>(
      `${gatewayUrl}/graphql`,
      { documentId: `sha256:${id}`, ...(variables ? { variables } : {}) },
      { authorization: `Bearer ${token}` },
    ),
  );
};

const tokenOf = (clientId: string) => {
  if (!op) {
    throw new Error("the identity provider is not running");
  }
  return op.token(clientId);
};

beforeAll(async () => {
  if (!onPostgres) {
    return;
  }
  dir = mkdtempSync(path.join(tmpdir(), "spx-production-"));
  const healthInsuranceKey = await privateJwk("EdDSA");
  const socialRegistryKey = await privateJwk("ES256");
  const directAidSecret = randomBytes(24).toString("base64url");
  const clients: ProviderClient[] = [
    {
      clientId: CLIENTS.caseWorker,
      clientSecret: randomBytes(24).toString("base64url"),
      claims: claimsOf("field-agent", "social-case-follow-up", DEMO_PERSON.region),
    },
    {
      clientId: CLIENTS.cnss,
      clientPrivateJwk: await privateJwk("EdDSA"),
      claims: claimsOf("batch-system", "amo-enrolment"),
    },
    {
      clientId: CLIENTS.anr,
      clientSecret: randomBytes(24).toString("base64url"),
      claims: claimsOf("batch-system", "civil-registration"),
    },
    {
      clientId: CLIENTS.anrAgent,
      clientSecret: randomBytes(24).toString("base64url"),
      claims: claimsOf("field-agent", "civil-registration", SAFI.regionCode),
    },
    {
      clientId: CLIENTS.cnssAgent,
      clientSecret: randomBytes(24).toString("base64url"),
      claims: claimsOf("field-agent", "amo-enrolment", SAFI.regionCode),
    },
    {
      clientId: CLIENTS.anssAgent,
      clientSecret: randomBytes(24).toString("base64url"),
      claims: claimsOf("field-agent", "direct-aid-eligibility", SAFI.regionCode),
    },
    {
      clientId: CLIENTS.socialRegistry,
      clientPrivateJwk: socialRegistryKey,
      claims: claimsOf("register-service", "identity-check"),
    },
    {
      clientId: CLIENTS.healthInsurance,
      clientPrivateJwk: healthInsuranceKey,
      claims: claimsOf("register-service", "amo-enrolment"),
    },
    {
      clientId: CLIENTS.directAid,
      clientSecret: directAidSecret,
      claims: claimsOf("register-service", "direct-aid-eligibility"),
    },
  ];
  op = await startIdentityProvider({ clients, audience: "https://spx.gov.example/graphql" });
  // Issued now, presented after the rotation: still verifiable while the provider publishes its key.
  signedBeforeRotation = await op.token(CLIENTS.caseWorker);

  const issuersFile = path.join(dir, "issuers.json");
  writeFileSync(
    issuersFile,
    JSON.stringify({
      issuers: [
        {
          issuer: op.issuer,
          jwksUri: op.jwksUri,
          audience: op.audience,
          algorithms: [op.algorithm],
          tokenType: "at+jwt",
          clockToleranceSeconds: 5,
          claims: {
            agency: { claim: "client_id", map: AGENCY_OF_CLIENT },
            role: { claim: "roles", map: ROLE_OF_GROUP },
            region: { claim: "spx.office_region" },
            purpose: { claim: "spx.mission", map: PURPOSE_OF_MISSION },
          },
        },
      ],
    }),
  );
  const attestationKey = await generateSigningKey();
  // The gateway's token secret, and each register's key from it, as `npm run -s token-key` prints it.
  tokenSecret = randomBytes(32);
  publishedKids = { token: tokenSecretKid(tokenSecret), attestation: attestationKey.key.kid };
  const tokenSecretFile = path.join(dir, "gateway-token.secret");
  writeFileSync(tokenSecretFile, tokenSecret.toString("base64url"), { mode: 0o600 });
  const tokenKeysFile = (name: string) => {
    const file = path.join(dir, `${name}.token-keys`);
    writeFileSync(file, `${tokenKeyEntry(deriveRegisterKey(tokenSecret, name))}\n`, { mode: 0o600 });
    return file;
  };
  const clientKeyFile = (name: string, jwk: object) => {
    const file = path.join(dir, `${name}.jwk`);
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    return file;
  };

  databases = await seedProductionDatabases("production", SEEDED_PERSONS);
  const dataDir = (name: string) => {
    const location = path.join(dir, "data", name);
    mkdirSync(location, { recursive: true });
    dataDirs[name] = location;
    return location;
  };
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const base = (name: string) => ({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    DATA_DIR: dataDir(name),
    REDIS_URL,
  });
  // A register's settings carry its name: POPULATION_PORT, SOCIAL_REGISTRY_DATABASE_URL, …
  const prefixOf = (name: string) => name.toUpperCase().replaceAll("-", "_");
  const started = (service: ServiceProcess) => processes.push(service);
  const startRegister = (name: string, database: TestDatabase, env: Record<string, string> = {}) =>
    startServiceProcess(
      name,
      `subgraphs/${name}/dist/main.js`,
      {
        ...base(name),
        GATEWAY_TOKEN_KEYS_FILE: tokenKeysFile(name),
        [`${prefixOf(name)}_PORT`]: "0",
        [`${prefixOf(name)}_DATABASE_URL`]: database.url ?? "",
        ...env,
      },
      started,
    );
  /** A register that asks the graph, under its own client of the provider. */
  const asking = (name: string, clientId: string) => ({
    GATEWAY_URL: `${gatewayUrl}/graphql`,
    TOKEN_URL: op?.tokenEndpoint ?? "",
    [`${prefixOf(name)}_CLIENT_ID`]: clientId,
  });
  const [population, socialRegistry, healthInsurance, directAid] = await Promise.all([
    startRegister("population", databases.population),
    startRegister("social-registry", databases.socialRegistry, {
      ...asking("social-registry", CLIENTS.socialRegistry),
      SOCIAL_REGISTRY_CLIENT_KEY_FILE: clientKeyFile("social-registry", socialRegistryKey),
      ATTESTATION_SIGNING_KEY: JSON.stringify(attestationKey.privateJwk),
    }),
    startRegister("health-insurance", databases.healthInsurance, {
      ...asking("health-insurance", CLIENTS.healthInsurance),
      HEALTH_INSURANCE_CLIENT_KEY_FILE: clientKeyFile("health-insurance", healthInsuranceKey),
    }),
    startRegister("direct-aid", databases.directAid, {
      ...asking("direct-aid", CLIENTS.directAid),
      DIRECT_AID_CLIENT_SECRET: directAidSecret,
    }),
  ]);
  urls.population = population.url;
  urls["social-registry"] = socialRegistry.url;
  urls["health-insurance"] = healthInsurance.url;
  urls["direct-aid"] = directAid.url;
  proxy = await capturingProxy(() => population.url);
  await startServiceProcess(
    "gateway",
    "gateway/dist/main.js",
    {
      ...base("gateway"),
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_ISSUERS_FILE: issuersFile,
      GATEWAY_TOKEN_SECRET_FILE: tokenSecretFile,
      ...accessLogProductionSettings(dir),
      ACCESS_LOG_DATABASE_URL: databases.accessLog.url ?? "",
      ATTESTATION_JWKS: JSON.stringify({ keys: [attestationKey.key.publicJwk] }),
      RATE_LIMIT_KEY: randomBytes(32).toString("base64url"),
      POPULATION_URL: `${proxy.url}/graphql`,
      SOCIAL_REGISTRY_URL: `${socialRegistry.url}/graphql`,
      HEALTH_INSURANCE_URL: `${healthInsurance.url}/graphql`,
      DIRECT_AID_URL: `${directAid.url}/graphql`,
      // The console's sign-in at a provider is tested on its own (console-oidc.test.ts).
      CONSOLE: "off",
    },
    started,
  );
}, 100_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  if (proxy) {
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy?.server.close(resolve));
  }
  await op?.stop();
  await databases?.drop();
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** On failure, what the processes said. */
function explain(): string {
  return processes.map((service) => `--- ${service.name}\n${service.output().slice(-3000)}`).join("\n");
}

describeOnPostgres("the system in production, trusting a real OpenID provider", () => {
  it("answers the README's cross-programme query to an ANSS case worker of the region, from all four registers", async () => {
    const token = await tokenOf(CLIENTS.caseWorker);
    // The provider's own claim names: nothing the gateway would read without the issuers file.
    expect(decodeJwt(token)).toMatchObject({
      client_id: CLIENTS.caseWorker,
      roles: ["offline_access", "field-agent"],
      spx: { mission: "social-case-follow-up", office_region: "02" },
    });
    expect(decodeJwt(token).agency).toBeUndefined();
    const { status, body } = await query<Person360>(token, PERSON_360, { idcs: DEMO_PERSON.idcs });
    if (body.errors) {
      throw new Error(`${JSON.stringify(body.errors)}\n${explain()}`);
    }
    expect(status).toBe(200);
    const person = body.data?.person;
    // Population register.
    expect(person?.idcs).toBe(DEMO_PERSON.idcs);
    expect(person?.address.regionCode).toBe(DEMO_PERSON.region);
    // Health insurance.
    expect(person?.healthCoverage).toMatchObject({ regime: "AMO_TADAMON", status: "ACTIVE" });
    // Social register.
    expect(person?.household?.members.some((member) => member.person.idcs === DEMO_PERSON.idcs)).toBe(true);
    expect(person?.household?.socioEconomicIndex?.score).toEqual(expect.any(String));
    expect(person?.household?.eligibility.length).toBeGreaterThan(0);
    expect(person?.household?.eligibilityExplanation?.summary).toEqual(expect.any(String));
    // Direct aid.
    expect(person?.household?.directAid?.status).toBe("ACTIVE");
  });

  it("runs register-to-register flows under the registers' own provider tokens: AMO-Tadamon enrolment, a direct-aid application", async () => {
    // Case workers: free text is theirs to send (systems are served registered documents only).
    const registrar = await tokenOf(CLIENTS.anrAgent);
    // Registering a household makes the social register ask the population register, under its own token.
    const head = await registerPerson(gateway, registrar, { firstName: "Meryem", birthDate: "1980-04-04" });
    const child = await registerPerson(gateway, registrar, {
      firstName: "Ilyas",
      birthDate: "2014-04-04",
      representative: head,
      mother: head,
    });
    const household = await registerHousehold(gateway, registrar, head, [{ idcs: child, relationship: "CHILD" }]);
    await declare(gateway, registrar, household, livingConditions("POOR", [{ idcs: head }, { idcs: child }]));

    const insurer = await tokenOf(CLIENTS.cnssAgent);
    const key = `production-${randomBytes(6).toString("hex")}`;
    const enrolled = await query<{
      enrollAmoTadamon: { affiliation: { id: string; regime: string; status: string; covered: { idcs: string }[] } };
    }>(insurer, ENROLL, { id: household, key });
    if (enrolled.body.errors) {
      throw new Error(`${JSON.stringify(enrolled.body.errors)}\n${explain()}`);
    }
    const affiliation = enrolled.body.data?.enrollAmoTadamon.affiliation;
    expect(affiliation).toMatchObject({ regime: "AMO_TADAMON", status: "ACTIVE" });
    expect(affiliation?.covered.map((covered) => covered.idcs).sort()).toEqual([head, child].sort());

    // Direct aid asks the social register too, under its client authenticated with a secret.
    const applied = await query<{ applyForDirectAid: { decision: string } }>(await tokenOf(CLIENTS.anssAgent), APPLY, {
      id: household,
      key,
    });
    if (applied.body.errors) {
      throw new Error(`${JSON.stringify(applied.body.errors)}\n${explain()}`);
    }
    expect(applied.body.data?.applyForDirectAid.decision).toBe("ACCEPTED");

    // The gateway accounted for the registers' own calls, under the identities the provider gave them.
    const sql = databases?.accessLog.database.sql;
    const services = async () =>
      (await sql?.query<{ subject: string; agency: string; role: string; purpose: string }>(
        "SELECT DISTINCT subject, agency, role, purpose FROM access_log WHERE role = 'SERVICE' ORDER BY subject",
      )) ?? [];
    let rows = await services();
    for (let attempt = 0; attempt < 50 && rows.length < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await services();
    }
    expect(rows).toEqual(
      expect.arrayContaining([
        { subject: CLIENTS.healthInsurance, agency: "CNSS", role: "SERVICE", purpose: "AMO_ENROLMENT" },
        { subject: CLIENTS.socialRegistry, agency: "ANR", role: "SERVICE", purpose: "IDENTITY_CHECK" },
        { subject: CLIENTS.directAid, agency: "ANSS", role: "SERVICE", purpose: "ASD_ELIGIBILITY" },
      ]),
    );
  });

  it("serves systems registered documents only, by id, to clients authenticated with a secret or private_key_jwt", async () => {
    const anr = await tokenOf(CLIENTS.anr);
    const freeText = await query(anr, IDENTITY, { idcs: DEMO_PERSON.idcs });
    expect(freeText.status).toBe(400);
    expect(freeText.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_DOCUMENT_REQUIRED");
    const persons = await byId<{ persons: { edges: { node: { idcs: string } }[] } }>(anr, "ANR", "FirstPersons");
    expect(persons.body.errors).toBeUndefined();
    expect(persons.body.data?.persons.edges).toHaveLength(3);

    const cnss = await tokenOf(CLIENTS.cnss);
    const batch = await byId<{ people: { idcs: string; healthCoverage: { regime: string } | null }[] }>(
      cnss,
      "CNSS",
      "AgencyBatch",
      { idcs: [DEMO_PERSON.idcs] },
    );
    expect(batch.body.errors).toBeUndefined();
    expect(batch.body.data?.people).toEqual([
      expect.objectContaining({
        idcs: DEMO_PERSON.idcs,
        healthCoverage: { regime: "AMO_TADAMON", role: "PRINCIPAL", status: "ACTIVE" },
      }),
    ]);
  });

  it("publishes the attestation key, no key of its tokens to the registers; each register verifies those under its own key", async () => {
    const jwks = (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    // The access log's key and its witnesses' are published beside them, for checking checkpoints,
    // under uses no token verifier takes for signing keys.
    const signingKeys = jwks.keys.filter((key) => key.use !== "access-log" && key.use !== "witness");
    expect(signingKeys.map((key) => key.kid)).toEqual([publishedKids.attestation]);
    expect(jwks.keys.filter((key) => key.use === "access-log").map((key) => key.kid)).toEqual([
      "exchange.test/access-log",
    ]);
    expect(jwks.keys.filter((key) => key.use === "witness").map((key) => key.kid)).toEqual(["witness.test"]);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
    // The call captured on its way to the population register: HS256 under the secret's kid, which
    // the population register's key verifies and the direct-aid register's does not.
    const token = proxy?.captured.at(-1)?.authorization.slice("Bearer ".length) ?? "";
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", kid: publishedKids.token, typ: "spx-internal+jwt" });
    const keyOf = (name: string) => new Uint8Array(deriveRegisterKey(tokenSecret, name).key.export());
    // As of its issue: it may have been captured more than its 10 s ago.
    const currentDate = new Date((decodeJwt(token).iat ?? 0) * 1000);
    await expect(jwtVerify(token, keyOf("population"), { audience: "population", currentDate })).resolves.toBeDefined();
    await expect(jwtVerify(token, keyOf("direct-aid"), { currentDate })).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });

  it("has no development facilities: no token endpoint, the development issuer refused, no key created", async () => {
    const endpoint = await fetch(`${gatewayUrl}/dev-issuer/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=direct-aid&client_secret=guess",
    });
    expect(endpoint.status).toBe(404);

    const { key } = await generateSigningKey();
    const devToken = await mintToken(
      key,
      { sub: "dev:anr", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" },
      { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE },
    );
    const refused = await query(devToken, IDENTITY, { idcs: DEMO_PERSON.idcs });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(refused.body.data ?? null).toBeNull();

    for (const [name, location] of Object.entries(dataDirs)) {
      expect({ name, entries: readdirSync(location, { recursive: true }).map(String) }).toEqual({ name, entries: [] });
    }
  });

  it("refuses a gateway token captured between the gateway and a register when it is replayed", async () => {
    const served = await query<{ person: { idcs: string } | null }>(await tokenOf(CLIENTS.caseWorker), IDENTITY, {
      idcs: DEMO_PERSON.idcs,
    });
    expect(served.status).toBe(200);
    expect(served.body.data?.person?.idcs).toBe(DEMO_PERSON.idcs);
    const call = proxy?.captured.at(-1);
    expect(call?.authorization).toMatch(/^Bearer /);
    expect(decodeProtectedHeader(call?.authorization.slice("Bearer ".length) ?? "").typ).toBe("spx-internal+jwt");

    const replays = async () => {
      const text = await (await fetch(`${urls.population}/metrics`)).text();
      return Number(/^spx_internal_token_replays_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    const before = await replays();
    const replayed = await postGraphQL(`${urls.population}/graphql`, JSON.parse(call?.body ?? "{}"), {
      authorization: call?.authorization ?? "",
    });
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(replayed.body.data ?? null).toBeNull();
    expect(await replays()).toBe(before + 1);
  });

  it("follows the provider's key rotation without a restart", async () => {
    if (!op) {
      throw new Error("the identity provider is not running");
    }
    const oldKid = op.currentKid();
    const newKid = await op.rotate();
    expect(newKid).not.toBe(oldKid);
    const rotated = await op.token(CLIENTS.caseWorker);
    expect(decodeProtectedHeader(rotated).kid).toBe(newKid);
    // The gateway fetched the JWKS at its first verification; jose fetches again for an unknown kid
    // only after its cooldown.
    const waitMs = firstVerificationAt + JWKS_COOLDOWN_MS + 1_000 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
    const after = await query<{ person: { idcs: string } | null }>(rotated, IDENTITY, { idcs: DEMO_PERSON.idcs });
    expect(after.status).toBe(200);
    expect(after.body.data?.person?.idcs).toBe(DEMO_PERSON.idcs);
    // Signed with the previous key, which the provider still publishes.
    expect(decodeProtectedHeader(signedBeforeRotation).kid).toBe(oldKid);
    const before = await query<{ person: { idcs: string } | null }>(signedBeforeRotation, IDENTITY, {
      idcs: DEMO_PERSON.idcs,
    });
    expect(before.status).toBe(200);
    expect(before.body.data?.person?.idcs).toBe(DEMO_PERSON.idcs);
  }, 60_000);
});
