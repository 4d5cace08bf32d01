import { randomUUID } from "node:crypto";
import { idcsFromBody } from "@spx/reference/idcs";
import { isEligible, thresholdOn } from "@spx/reference/thresholds";
import type { Caller } from "@spx/runtime/access";
import type { GraphClient } from "@spx/runtime/clients";
import type { AppOf } from "@spx/runtime/subgraph";
import {
  ATTESTATION_ISSUER,
  type AttestationError,
  attestationClaimsSchema,
  generateSigningKey,
  InternalTokenSigner,
  jwksOf,
  type SigningKey,
  signInternalToken,
  verifyAttestation,
} from "@spx/runtime/tokens";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { socialRegistry } from "../subgraph.js";

const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
const anam: Caller = { sub: "test:anam", agency: "ANAM", role: "SYSTEM" };
const worker = (region: Caller["region"]): Caller => ({ sub: "test:cw", agency: "CNSS", role: "CASE_WORKER", region });
const citizen = (idcs: string): Caller => ({ sub: `test:${idcs}`, role: "CITIZEN", idcs });

// Attestations ask no other register.
const graph: GraphClient = {
  query: () => Promise.reject(new Error("the social register asked the graph")),
};

let h: TestSubgraph<AppOf<typeof socialRegistry>>;
let key: SigningKey;

interface Member {
  idcs: string;
  householdId: string;
  regionCode: string;
  score: string;
  modelVersion: string;
}
let eligible: Member;
let notEligible: Member;

beforeAll(async () => {
  key = (await generateSigningKey()).key;
  h = await startTestSubgraph(socialRegistry, {
    label: "attestation",
    defaultCaller: cnss,
    options: { graph, attestationKey: key },
  });
  await seedDemoIfEmpty(h.app.prisma, h.app.data, { persons: 200 });
  const rule = thresholdOn(h.app.data.thresholds, "AMO_TADAMON", new Date());
  if (!rule) {
    throw new Error("no AMO-Tadamon threshold in force");
  }
  const rows = await h.db.database.sql.query<{
    idcs: string;
    household_id: string;
    region_code: string;
    score: string;
    model_version: string;
  }>(
    `SELECT m.person_idcs AS idcs, m.household_id, h.region_code, c.score::text AS score, c.model_version
     FROM membership m JOIN household h ON h.id = m.household_id
     JOIN index_computation c ON c.household_id = h.id AND c.current
     WHERE m.until IS NULL ORDER BY m.person_idcs`,
  );
  const members = rows.map((r) => ({
    idcs: r.idcs,
    householdId: r.household_id,
    regionCode: r.region_code,
    score: r.score,
    modelVersion: r.model_version,
  }));
  const found = {
    eligible: members.find((m) => isEligible(m.score, rule)),
    notEligible: members.find((m) => !isEligible(m.score, rule)),
  };
  if (!found.eligible || !found.notEligible) {
    throw new Error("the demo data has households on only one side of the threshold");
  }
  eligible = found.eligible;
  notEligible = found.notEligible;
});
afterAll(async () => {
  await h?.stop();
});

interface Attested {
  eligibilityAttestation: {
    jws: string;
    idcs: string;
    program: string;
    eligible: boolean;
    asOf: string;
    expiresAt: string;
    issuer: string;
    keyId: string;
  } | null;
}
const ATTEST = /* GraphQL */ `
  query($idcs: ID!, $program: Program!) {
    eligibilityAttestation(idcs: $idcs, program: $program) {
      jws idcs program eligible asOf expiresAt issuer keyId
    }
  }
`;

async function attest(idcs: string, caller: Caller = cnss, program = "AMO_TADAMON") {
  const { body } = await h.call<Attested>(ATTEST, { idcs, program }, caller);
  return body;
}

async function attested(idcs: string, caller: Caller = cnss, program = "AMO_TADAMON") {
  const body = await attest(idcs, caller, program);
  expect(body.errors).toBeUndefined();
  const attestation = body.data?.eligibilityAttestation;
  if (!attestation) {
    throw new Error("no attestation");
  }
  return attestation;
}

async function refusal(jws: string, options: { now?: Date } = {}): Promise<string> {
  try {
    await verifyAttestation(jws, jwksOf([key]), { issuer: ATTESTATION_ISSUER, ...options });
  } catch (error) {
    return (error as AttestationError).code;
  }
  throw new Error("the attestation was accepted");
}

describe("eligibilityAttestation", () => {
  it("signs that an eligible household's member is eligible, verifiable with the published keys", async () => {
    const attestation = await attested(eligible.idcs);
    expect(attestation).toMatchObject({
      idcs: eligible.idcs,
      program: "AMO_TADAMON",
      eligible: true,
      issuer: ATTESTATION_ISSUER,
      keyId: key.kid,
    });
    expect(decodeProtectedHeader(attestation.jws)).toEqual({ alg: "EdDSA", kid: key.kid, typ: "spx-eligibility+jwt" });
    const claims = await verifyAttestation(attestation.jws, jwksOf([key]), { issuer: ATTESTATION_ISSUER });
    expect(claims).toMatchObject({
      iss: ATTESTATION_ISSUER,
      sub: eligible.idcs,
      program: "AMO_TADAMON",
      eligible: true,
      modelVersion: eligible.modelVersion,
      aud: "CNSS",
    });
    expect(new Date(claims.iat * 1000).toISOString()).toBe(attestation.asOf);
    expect(new Date(claims.exp * 1000).toISOString()).toBe(attestation.expiresAt);
    expect(claims.exp - claims.iat).toBe(86_400);
    expect(Math.abs(claims.iat * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("signs that a household above the threshold is not eligible, and says nothing of its index", async () => {
    const attestation = await attested(notEligible.idcs);
    expect(attestation.eligible).toBe(false);
    const claims = await verifyAttestation(attestation.jws, jwksOf([key]));
    expect(claims).toMatchObject({ sub: notEligible.idcs, eligible: false });
    // The payload is exactly the statement: no score, no threshold, nothing declared.
    const payload = decodeJwt(attestation.jws);
    expect(Object.keys(payload).sort()).toEqual(
      ["aud", "eligible", "exp", "iat", "iss", "jti", "modelVersion", "program", "sub"].sort(),
    );
    const text = JSON.stringify(payload);
    const rule = thresholdOn(h.app.data.thresholds, "AMO_TADAMON", new Date());
    expect(text).not.toContain(notEligible.score.slice(0, 6));
    expect(text).not.toContain(rule?.threshold.slice(0, 6));
    expect(text).not.toMatch(/score|threshold|declar/i);
  });

  it("decides each programme as the household's eligibility does", async () => {
    const achamil = await attested(eligible.idcs, cnss, "AMO_ACHAMIL");
    expect(achamil).toMatchObject({ program: "AMO_ACHAMIL", eligible: false });
    const { body } = await h.call<{ household: { eligibility: { program: string; eligible: boolean }[] } | null }>(
      `query($id: ID!) { household(id: $id) { eligibility { program eligible } } }`,
      { id: notEligible.householdId },
    );
    const eligibility = body.data?.household?.eligibility ?? [];
    for (const { program, eligible: expected } of eligibility) {
      expect((await attested(notEligible.idcs, cnss, program)).eligible).toBe(expected);
    }
    expect(eligibility.length).toBe(3);
  });

  it("says not eligible for a household that has no index yet", async () => {
    const householdId = randomUUID();
    const idcs = idcsFromBody("812345678");
    await h.app.prisma.household.create({
      data: { id: householdId, regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: "URBAN" },
    });
    await h.app.prisma.membership.create({
      data: { id: randomUUID(), householdId, personIdcs: idcs, relationship: "HEAD" },
    });
    const attestation = await attested(idcs);
    expect(attestation.eligible).toBe(false);
    const claims = await verifyAttestation(attestation.jws, jwksOf([key]));
    expect(claims.eligible).toBe(false);
    expect(claims.modelVersion).toBeUndefined();
  });

  it("answers in a constant number of SQL statements", async () => {
    h.db.database.statements.count = 0;
    await attested(eligible.idcs);
    const first = h.db.database.statements.count;
    h.db.database.statements.count = 0;
    await attested(notEligible.idcs);
    expect(h.db.database.statements.count).toBe(first);
    expect(first).toBeLessThanOrEqual(4);
  });

  it("is refused once tampered with, signed by another key, expired, or of another type", async () => {
    const { jws } = await attested(notEligible.idcs);
    const [header, payload, signature] = jws.split(".");
    const altered = Buffer.from(JSON.stringify({ ...decodeJwt(jws), eligible: true }), "utf8").toString("base64url");
    expect(await refusal(`${header}.${altered}.${signature}`)).toBe("BAD_SIGNATURE");
    // The first character carries six bits of the signature, so changing it always changes the bytes.
    const flipped = `${signature?.startsWith("A") ? "B" : "A"}${signature?.slice(1)}`;
    expect(await refusal(`${header}.${payload}.${flipped}`)).toBe("BAD_SIGNATURE");
    expect(await refusal("not-a-jws")).toBe("MALFORMED");
    const { key: other } = await generateSigningKey();
    await expect(verifyAttestation(jws, jwksOf([other]))).rejects.toMatchObject({ code: "UNKNOWN_KEY" });
    const exp = decodeJwt(jws).exp ?? 0;
    expect(await refusal(jws, { now: new Date((exp + 1) * 1000) })).toBe("EXPIRED");
    await expect(verifyAttestation(jws, jwksOf([key]), { issuer: "urn:spx:someone-else" })).rejects.toMatchObject({
      code: "WRONG_ISSUER",
    });
    // A gateway token (a JWS too, HMAC under a register's key) is not an attestation: its
    // algorithm is refused before anything else.
    const token = signInternalToken(InternalTokenSigner.generate(), socialRegistry.name, {
      caller: { sub: "test", role: "CITIZEN", idcs: notEligible.idcs },
      requestId: "test",
      request: { query: "{ __typename }" },
    });
    expect(await refusal(token)).toBe("WRONG_ALGORITHM");
  });

  it("refuses a caller whose grant does not cover eligibility", async () => {
    const body = await attest(eligible.idcs, anam);
    expect(body.data?.eligibilityAttestation).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("applies the rows of Household: a case worker's region, a citizen's own household", async () => {
    expect((await attested(eligible.idcs, worker(eligible.regionCode as Caller["region"]))).idcs).toBe(eligible.idcs);
    const elsewhere = eligible.regionCode === "01" ? "02" : "01";
    const refused = await attest(eligible.idcs, worker(elsewhere));
    expect(refused.data?.eligibilityAttestation).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const own = await attested(eligible.idcs, citizen(eligible.idcs));
    expect(decodeJwt(own.jws).aud).toBeUndefined();
    const other = await attest(notEligible.idcs, citizen(eligible.idcs));
    expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("answers NOT_FOUND for a person in no household, and BAD_USER_INPUT for what is not an IDCS", async () => {
    const unknown = await attest(idcsFromBody("798765432"));
    expect(unknown.data?.eligibilityAttestation).toBeNull();
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const malformed = await attest("12345");
    expect(malformed.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("attestation claims", () => {
  it("accept only the register's programmes, a 10-digit IDCS and a boolean", () => {
    const base = {
      iss: ATTESTATION_ISSUER,
      sub: "1234567890",
      program: "DIRECT_AID",
      eligible: true,
      iat: 1,
      exp: 2,
      jti: randomUUID(),
    };
    expect(attestationClaimsSchema.safeParse(base).success).toBe(true);
    expect(attestationClaimsSchema.safeParse({ ...base, program: "OTHER" }).success).toBe(false);
    expect(attestationClaimsSchema.safeParse({ ...base, sub: "12345" }).success).toBe(false);
    expect(attestationClaimsSchema.safeParse({ ...base, eligible: "yes" }).success).toBe(false);
    expect(attestationClaimsSchema.safeParse({ ...base, exp: 1 }).success).toBe(false);
  });
});
