import type { Caller } from "@spx/runtime/access";
import type { GraphClient } from "@spx/runtime/clients";
import type { AppOf } from "@spx/runtime/subgraph";
import { countedCall, startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { healthInsurance } from "../subgraph.js";

const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };

// Coverages and affiliations are the insurer's own: reading them asks no other register.
const graph: GraphClient = {
  query: () => Promise.reject(new Error("the health insurer asked the graph")),
};

let h: TestSubgraph<AppOf<typeof healthInsurance>>;

beforeAll(async () => {
  h = await startTestSubgraph(healthInsurance, { label: "batching", defaultCaller: cnss, options: { graph } });
  await seedDemoIfEmpty(h.app.prisma, { persons: 400 });
});
afterAll(() => h?.stop());

const PERSONS = /* GraphQL */ `
  query($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Person {
        idcs
        healthCoverage { regime principalIdcs }
        coverageHistory { regime since }
      }
    }
  }
`;

interface Persons {
  _entities: { coverageHistory: unknown[] }[];
}

const AFFILIATIONS = /* GraphQL */ `
  query($a: ID!, $b: ID!) {
    a: affiliation(id: $a) { id covered { idcs role } }
    b: affiliation(id: $b) { id covered { idcs role } }
  }
`;

describe("lists of persons and affiliations", () => {
  it("costs as many SQL statements for 20 covered persons as for 2, their history included", async () => {
    const rows = await h.db.database.sql.query<{ person_idcs: string }>(
      "SELECT person_idcs FROM coverage ORDER BY person_idcs LIMIT 20",
    );
    expect(rows).toHaveLength(20);
    const representations = rows.map((r) => ({ __typename: "Person", idcs: r.person_idcs }));
    const two = await countedCall<Persons>(h, PERSONS, { r: representations.slice(0, 2) });
    const twenty = await countedCall<Persons>(h, PERSONS, { r: representations });
    expect(twenty.statements).toBe(two.statements);
    for (const person of twenty.data?._entities ?? []) {
      expect(person.coverageHistory.length).toBeGreaterThan(0);
    }
  });

  it("loads the covered of several affiliations together", async () => {
    const rows = await h.db.database.sql.query<{ id: string }>("SELECT id FROM affiliation ORDER BY id LIMIT 2");
    const one = await countedCall(h, AFFILIATIONS, { a: rows[0]?.id, b: rows[0]?.id });
    const both = await countedCall(h, AFFILIATIONS, { a: rows[0]?.id, b: rows[1]?.id });
    expect(both.statements).toBe(one.statements);
  });
});
