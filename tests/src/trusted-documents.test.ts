import { createHash } from "node:crypto";
import { householdFacts } from "@spx/direct-aid/registers";
import { householdForTadamon, personFacts } from "@spx/health-insurance/registers";
import type { Caller } from "@spx/runtime/access";
import { createGraphClient, postGraphQL } from "@spx/runtime/clients";
import { serviceTokenSource } from "@spx/runtime/tokens";
import { lookUpPersons } from "@spx/social-registry/population-directory";
import { registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { AUDIENCE, ISSUER, type RunningSystem, startSystem, waitForSequenced } from "./testkit/start-system.js";

/*
 * Trusted documents over real HTTP, on a gateway in production mode: there SYSTEM and SERVICE
 * grants are served registered documents only (the catalogue states nothing else for them) and
 * case workers keep free-form documents. The documents are the committed manifests' own.
 */

const FIRST_PERSONS =
  "query FirstPersons { persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }";
const DECLARE = `mutation Declare($householdId: ID!, $input: LivingConditionsInput!, $key: String) {
  declareLivingConditions(householdId: $householdId, input: $input, idempotencyKey: $key) {
    household { id socioEconomicIndex { score modelVersion } } } }`;
const FREE_FORM = "{ persons(first: 2) { edges { node { idcs } } } }";
const hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

const anrSystem = { sub: "test:anr-system", agency: "ANR", role: "SYSTEM" } as const;
const anrCaseWorker = { sub: "test:anr-cw", agency: "ANR", role: "CASE_WORKER", region: "07" } as const;
const cnssSystem = { sub: "test:cnss-system", agency: "CNSS", role: "SYSTEM" } as const;
const cnssCaseWorker = { sub: "test:cnss-cw", agency: "CNSS", role: "CASE_WORKER", region: "07" } as const;

let system: RunningSystem;
let url: string;

beforeAll(async () => {
  system = await startSystem({ label: "trusted", production: true, seedPersons: 10 });
  url = `${system.gatewayUrl}/graphql`;
});
afterAll(async () => {
  await system?.stop();
});

async function post(caller: Caller, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await system.token(caller)}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

async function get(caller: Caller, params: Record<string, string>) {
  const response = await fetch(`${url}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${await system.token(caller)}`, "apollo-require-preflight": "true" },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

interface Answer {
  data?: { persons?: { edges: unknown[] } } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const codes = (answer: Answer) => (answer.errors ?? []).map((e) => e.extensions?.code);

describe("a trusted-only grant (a SYSTEM grant in production)", () => {
  it("is refused a free-form document with 400 PERSISTED_DOCUMENT_REQUIRED, before anything is read", async () => {
    const { status, body } = await post(anrSystem, { query: FREE_FORM });
    expect(status).toBe(400);
    expect(codes(body)).toEqual(["PERSISTED_DOCUMENT_REQUIRED"]);
    expect(body.data ?? null).toBeNull();
  });

  it("is served a registered document by documentId (sha256: prefixed)", async () => {
    const { status, body } = await post(anrSystem, { documentId: `sha256:${hex(FIRST_PERSONS)}` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.persons?.edges).toHaveLength(3);
  });

  it("is served a registered document by Apollo's APQ hash (bare, any case)", async () => {
    const { status, body } = await post(anrSystem, {
      extensions: { persistedQuery: { version: 1, sha256Hash: hex(FIRST_PERSONS).toUpperCase() } },
    });
    expect(status).toBe(200);
    expect(body.data?.persons?.edges).toHaveLength(3);
  });

  it("is served a registered document sent as its exact text, but not a reformatted copy", async () => {
    expect((await post(anrSystem, { query: FIRST_PERSONS })).body.data?.persons?.edges).toHaveLength(3);
    const reformatted = await post(anrSystem, { query: FIRST_PERSONS.replace("{ persons", "{  persons") });
    expect(reformatted.status).toBe(400);
    expect(codes(reformatted.body)).toEqual(["PERSISTED_DOCUMENT_REQUIRED"]);
  });

  it("is refused a document registered only for another agency (403 PERSISTED_DOCUMENT_NOT_ALLOWED)", async () => {
    for (const body of [{ documentId: `sha256:${hex(FIRST_PERSONS)}` }, { query: FIRST_PERSONS }]) {
      const answer = await post(cnssSystem, body);
      expect(answer.status).toBe(403);
      expect(codes(answer.body)).toEqual(["PERSISTED_DOCUMENT_NOT_ALLOWED"]);
    }
  });
});

describe("an optional grant (a case worker)", () => {
  it("is served free-form documents and registered ones by id", async () => {
    const free = await post(anrCaseWorker, { query: FREE_FORM });
    const byId = await post(anrCaseWorker, { documentId: `sha256:${hex(FIRST_PERSONS)}` });
    for (const answer of [free, byId]) {
      expect(answer.status).toBe(200);
      expect(answer.body.data?.persons).toBeDefined();
      expect(codes(answer.body).filter((c) => c?.startsWith("PERSISTED"))).toEqual([]);
    }
  });

  it("is refused another agency's document by id, but may send the same text free-form", async () => {
    const byId = await post(cnssCaseWorker, { documentId: `sha256:${hex(FIRST_PERSONS)}` });
    expect(byId.status).toBe(403);
    expect(codes(byId.body)).toEqual(["PERSISTED_DOCUMENT_NOT_ALLOWED"]);
    const asText = await post(cnssCaseWorker, { query: FIRST_PERSONS });
    expect(codes(asText.body).filter((c) => c?.startsWith("PERSISTED"))).toEqual([]);
  });
});

describe("a citizen", () => {
  const citizen = { sub: "test:citizen", role: "CITIZEN", idcs: "1000000009" } as const;
  const MY_DATA_ACCESS =
    "query MyDataAccess($first: Int, $after: String) { myDataAccess(first: $first, after: $after) { entries { at agency role purpose purposeDescription kindsOfData } endCursor } }";

  it("is served the CITIZEN manifest's documents by id, and refused an agency's", async () => {
    const own = await post(citizen, { documentId: `sha256:${hex(MY_DATA_ACCESS)}`, variables: { first: 5 } });
    expect(own.status).toBe(200);
    expect(own.body.errors).toBeUndefined();
    const agency = await post(citizen, { documentId: `sha256:${hex(FIRST_PERSONS)}` });
    expect(agency.status).toBe(403);
    expect(codes(agency.body)).toEqual(["PERSISTED_DOCUMENT_NOT_ALLOWED"]);
  });
});

describe("ids the gateway cannot serve", () => {
  it("answers an unknown id with 404 PERSISTED_QUERY_NOT_FOUND in a GraphQL JSON body, by either name", async () => {
    for (const body of [
      { documentId: `sha256:${hex("query Nobody { __typename }")}` },
      { extensions: { persistedQuery: { version: 1, sha256Hash: hex("query Nobody { __typename }") } } },
    ]) {
      const answer = await post(anrCaseWorker, body);
      expect(answer.status).toBe(404);
      expect(answer.headers.get("content-type")).toMatch(/application\/json/);
      expect(codes(answer.body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    }
  });

  it("answers an id sent with a text of another hash with 400 PERSISTED_QUERY_HASH_MISMATCH", async () => {
    for (const body of [
      { documentId: `sha256:${hex(FIRST_PERSONS)}`, query: FREE_FORM },
      { query: FREE_FORM, extensions: { persistedQuery: { version: 1, sha256Hash: hex(FIRST_PERSONS) } } },
    ]) {
      const answer = await post(anrCaseWorker, body);
      expect(answer.status).toBe(400);
      expect(codes(answer.body)).toEqual(["PERSISTED_QUERY_HASH_MISMATCH"]);
    }
  });

  it("answers a malformed id with 400 BAD_REQUEST", async () => {
    for (const body of [
      { documentId: "sha256:not-hex" },
      { documentId: `md5:${hex(FIRST_PERSONS).slice(0, 32)}` },
      { documentId: 17 },
      { extensions: { persistedQuery: { version: 2, sha256Hash: hex(FIRST_PERSONS) } } },
      {
        documentId: `sha256:${hex(FIRST_PERSONS)}`,
        extensions: { persistedQuery: { version: 1, sha256Hash: hex(DECLARE) } },
      },
    ]) {
      const answer = await post(anrCaseWorker, body);
      expect(answer.status).toBe(400);
      expect(codes(answer.body)).toEqual(["BAD_REQUEST"]);
    }
  });
});

describe("GET in production", () => {
  it("refuses a free-form query in the URL with 400 PERSISTED_DOCUMENT_REQUIRED, even for an optional grant", async () => {
    const { status, body } = await get(anrCaseWorker, { query: FREE_FORM });
    expect(status).toBe(400);
    expect(codes(body)).toEqual(["PERSISTED_DOCUMENT_REQUIRED"]);
  });

  it("serves a registered query by documentId", async () => {
    const { status, body } = await get(anrSystem, { documentId: `sha256:${hex(FIRST_PERSONS)}` });
    expect(status).toBe(200);
    expect(body.data?.persons?.edges).toHaveLength(3);
  });

  it("refuses a registered mutation with 405 and Allow: POST", async () => {
    const { status, headers, body } = await get(anrSystem, { documentId: `sha256:${hex(DECLARE)}` });
    expect(status).toBe(405);
    expect(headers.get("allow")).toBe("POST");
    expect(codes(body)).toEqual(["METHOD_NOT_ALLOWED"]);
  });
});

describe("the access log", () => {
  const documentIdOf = async (requestId: string) => {
    await waitForSequenced(system);
    const rows = await system.accessLogDb.database.sql.query<{ document_id: string | null }>(
      "SELECT document_id FROM access_log WHERE request_id = $1",
      [requestId],
    );
    return rows.map((r) => r.document_id);
  };

  it("records the document id of a registered document, and none for free text; the chain still verifies", async () => {
    // A person of the case worker's own region, so that the free-form read serves someone.
    const idcs = await registerPerson(system, await system.token(anrCaseWorker), {
      firstName: "Hind",
      birthDate: "1990-01-01",
    });
    await post(anrSystem, { documentId: `sha256:${hex(FIRST_PERSONS)}` }, { "x-request-id": "trusted-by-id" });
    await post(
      anrCaseWorker,
      { query: "query($idcs: ID!) { person(idcs: $idcs) { idcs } }", variables: { idcs } },
      { "x-request-id": "trusted-free-form" },
    );
    expect(await documentIdOf("trusted-by-id")).toEqual([hex(FIRST_PERSONS)]);
    expect(await documentIdOf("trusted-free-form")).toEqual([null]);
    expect((await system.accessLog?.verify())?.broken).toBeUndefined();
  });

  it("serves the document id to auditors", async () => {
    await post(anrSystem, { documentId: `sha256:${hex(FIRST_PERSONS)}` }, { "x-request-id": "trusted-audited" });
    const { body } = await system.query<{ accessLog: { entries: { requestId: string; documentId: string | null }[] } }>(
      await system.token({ sub: "test:cndp", agency: "CNDP", role: "AUDITOR" }),
      `{ accessLog(agency: "ANR", first: 50) { entries { requestId documentId } } }`,
    );
    expect(body.errors).toBeUndefined();
    const audited = body.data?.accessLog.entries.find((e) => e.requestId === "trusted-audited");
    expect(audited?.documentId).toBe(hex(FIRST_PERSONS));
  });
});

describe("register-to-register calls with SERVICE grants trusted-only", () => {
  const serviceGraph = (identity: Caller) =>
    createGraphClient({
      url: () => url,
      token: serviceTokenSource(async () => system.issuerKey, identity, { issuer: ISSUER, audience: AUDIENCE }),
    });
  const anrService = { sub: "service:social-registry", agency: "ANR", role: "SERVICE", purpose: "IDENTITY_CHECK" };
  const cnssService = { sub: "service:health-insurance", agency: "CNSS", role: "SERVICE", purpose: "AMO_ENROLMENT" };
  const anssService = { sub: "service:direct-aid", agency: "ANSS", role: "SERVICE", purpose: "ASD_ELIGIBILITY" };

  it("still work: the social register checks a household's members through the graph, by id", async () => {
    const token = await system.token(anrCaseWorker);
    const before = system.graphCalls["service:social-registry"] ?? 0;
    const head = await registerPerson(system, token, { firstName: "Nadia", birthDate: "1980-04-01" });
    await registerHousehold(system, token, head, []);
    expect((system.graphCalls["service:social-registry"] ?? 0) - before).toBeGreaterThan(0);
  });

  it("find every register's document registered for its own agency", async () => {
    const token = await system.token(anrCaseWorker);
    const head = await registerPerson(system, token, { firstName: "Salma", birthDate: "1979-02-03" });
    const household = await registerHousehold(system, token, head, []);
    const persons = await lookUpPersons(serviceGraph(anrService as Caller), [head]);
    expect([...persons.keys()]).toEqual([head]);
    expect((await personFacts(serviceGraph(cnssService as Caller), [head])).get(head)?.idcs).toBe(head);
    expect((await householdForTadamon(serviceGraph(cnssService as Caller), household))?.id).toBe(household);
    expect([...(await householdFacts(serviceGraph(anssService as Caller), [household])).keys()]).toEqual([household]);
  });

  it("refuse a service's free-form document", async () => {
    const token = await serviceTokenSource(async () => system.issuerKey, anrService as Caller, {
      issuer: ISSUER,
      audience: AUDIENCE,
    })();
    const { status, body } = await postGraphQL(url, { query: FREE_FORM }, { authorization: `Bearer ${token}` });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe("PERSISTED_DOCUMENT_REQUIRED");
  });
});
