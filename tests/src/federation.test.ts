import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr = { sub: "test:anr", agency: "ANR", role: "SYSTEM" } as const;
let system: RunningSystem;
let token: string;

beforeAll(async () => {
  system = await startSystem({ label: "federation", seedPersons: 300 });
  token = await system.token(anr);
});
afterAll(async () => {
  await system?.stop();
});

interface Persons {
  persons: {
    edges: { node: { idcs: string; firstName: string; lastName: string; address: { regionCode: string } } }[];
  };
}

describe("federated graph through the gateway", () => {
  it("answers the README's first query with three people", async () => {
    const { status, body } = await system.query<Persons>(
      token,
      "{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }",
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const people = body.data?.persons.edges.map((e) => e.node) ?? [];
    expect(people).toHaveLength(3);
    for (const person of people) {
      expect(person.idcs).toMatch(/^\d{10}$/);
      expect(person.address.regionCode).toMatch(/^(0[1-9]|1[0-2])$/);
    }
  });

  it("resolves a minor's legal representative", async () => {
    const [minor] = await system.populationDb.database.sql.query<{ idcs: string; legal_representative_idcs: string }>(
      "SELECT idcs, legal_representative_idcs FROM person WHERE legal_representative_idcs IS NOT NULL LIMIT 1",
    );
    const { body } = await system.query<{ person: { legalRepresentative: { idcs: string } } }>(
      token,
      `query($idcs: ID!) { person(idcs: $idcs) { idcs legalRepresentative { idcs lifeStatus } } }`,
      { idcs: minor?.idcs },
    );
    expect(body.data?.person.legalRepresentative.idcs).toBe(minor?.legal_representative_idcs);
  });

  it("passes a subgraph's typed error through to the client", async () => {
    const { body } = await system.query(token, '{ person(idcs: "123") { idcs } }');
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_IDCS");
    expect(JSON.stringify(body)).not.toMatch(/stacktrace/);
  });

  it("propagates the caller's request id to the response", async () => {
    const result = await system.query(token, "{ __typename }", undefined, { "x-request-id": "case-4711" });
    expect(result.headers.get("x-request-id")).toBe("case-4711");
  });

  it("rejects an invalid document with a GraphQL validation error", async () => {
    const { status, body } = await system.query(token, "{ persons { nope } }");
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("health", () => {
  it("is alive and ready while every subgraph answers, and not ready when one is down", async () => {
    expect((await fetch(`${system.gatewayUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${system.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      subgraphs: { population: true, "social-registry": true, "health-insurance": true, "direct-aid": true },
    });
    await system.stopPopulation();
    const down = await fetch(`${system.gatewayUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: "unavailable",
      subgraphs: { population: false, "social-registry": true, "health-insurance": true, "direct-aid": true },
    });
    // A load balancer's probe: this replica still takes traffic (it answers the others' fields).
    const own = await fetch(`${system.gatewayUrl}/readyz?scope=gateway`);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ status: "ready", scope: "gateway" });
    expect((await fetch(`${system.gatewayUrl}/healthz`)).status).toBe(200);
  });
});
