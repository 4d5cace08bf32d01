import { createHash } from "node:crypto";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const FIRST_PERSONS =
  "query FirstPersons { persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }";

const anr = { sub: "test:anr", agency: "ANR", role: "SYSTEM" } as const;
let production: RunningSystem;

beforeAll(async () => {
  production = await startSystem({ label: "prod", production: true });
});
afterAll(async () => {
  await production?.stop();
});

describe("gateway in production mode", () => {
  it("refuses introspection", async () => {
    const { body } = await production.query(await production.token(anr), "{ __schema { types { name } } }");
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("does not suggest field names in validation errors", async () => {
    const { body } = await production.query(await production.token(anr), '{ persn(idcs: "1000000009") { idcs } }');
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(JSON.stringify(body)).not.toMatch(/Did you mean/);
  });

  it("keeps CSRF prevention: a simple cross-site POST is refused", async () => {
    const response = await fetch(`${production.gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${await production.token(anr)}` },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(400);
  });

  it("answers a register that does not respond with a correlation id, not internals", async () => {
    await production.stopPopulation();
    // A system is served registered documents only in production: this one is in ANR's manifest.
    const documentId = `sha256:${createHash("sha256").update(FIRST_PERSONS).digest("hex")}`;
    const response = await fetch(`${production.gatewayUrl}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await production.token(anr)}`,
        "x-request-id": "support-case-17",
      },
      body: JSON.stringify({ documentId }),
    });
    const { headers } = response;
    const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(headers.get("x-request-id")).toBe("support-case-17");
    const error = body.errors?.[0];
    expect(error?.extensions?.requestId).toBe("support-case-17");
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
  });
});
