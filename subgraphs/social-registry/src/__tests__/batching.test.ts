import type { Caller } from "@spx/runtime/access";
import type { GraphClient } from "@spx/runtime/clients";
import type { AppOf } from "@spx/runtime/subgraph";
import { generateSigningKey } from "@spx/runtime/tokens";
import { countedCall, startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { socialRegistry } from "../subgraph.js";

/** The register's keeper reads every part of a household, nationwide. */
const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };

// Households, their members and their history are the register's own: no other register is asked.
const graph: GraphClient = {
  query: () => Promise.reject(new Error("the social register asked the graph")),
};

let h: TestSubgraph<AppOf<typeof socialRegistry>>;

beforeAll(async () => {
  const { key } = await generateSigningKey();
  h = await startTestSubgraph(socialRegistry, {
    label: "batching",
    defaultCaller: anr,
    options: { graph, attestationKey: key },
  });
  await seedDemoIfEmpty(h.app.prisma, h.app.data, { persons: 200 });
});
afterAll(() => h?.stop());

const HOUSEHOLDS = /* GraphQL */ `
  query($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Household {
        id
        members { relationship person { idcs } }
        declaration { version }
        declarationHistory { version }
        socioEconomicIndex { score }
        indexHistory { score }
        eligibility { program eligible }
      }
    }
  }
`;

interface Households {
  _entities: { members: unknown[]; declarationHistory: unknown[]; indexHistory: unknown[]; eligibility: unknown[] }[];
}

const households = (ids: string[]) =>
  countedCall<Households>(h, HOUSEHOLDS, { r: ids.map((id) => ({ __typename: "Household", id })) });

describe("a list of households", () => {
  it("costs as many SQL statements for 20 households as for 2, members and histories included", async () => {
    const rows = await h.db.database.sql.query<{ household_id: string }>(
      "SELECT DISTINCT household_id FROM declaration ORDER BY household_id LIMIT 20",
    );
    expect(rows).toHaveLength(20);
    const ids = rows.map((r) => r.household_id);
    const two = await households(ids.slice(0, 2));
    const twenty = await households(ids);
    expect(twenty.statements).toBe(two.statements);
    for (const household of twenty.data?._entities ?? []) {
      expect(household.members.length).toBeGreaterThan(0);
      expect(household.declarationHistory.length).toBeGreaterThan(0);
      expect(household.indexHistory.length).toBeGreaterThan(0);
      expect(household.eligibility.length).toBeGreaterThan(0);
    }
  });
});

describe("a reference to a household by an id that cannot be one", () => {
  it("resolves to null, and the other households of the batch as usual", async () => {
    const [row] = await h.db.database.sql.query<{ id: string }>("SELECT id FROM household LIMIT 1");
    const { data } = await countedCall<{ _entities: ({ id: string } | null)[] }>(
      h,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Household { id } } }`,
      { r: ["not-a-household", row?.id].map((id) => ({ __typename: "Household", id })) },
    );
    expect(data?._entities).toEqual([null, { id: row?.id }]);
  });
});
