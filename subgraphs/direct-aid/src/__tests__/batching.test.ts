import { randomUUID } from "node:crypto";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { type Harness, startDirectAid } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startDirectAid("batching");
  await seedDemoIfEmpty(h.app.prisma, { persons: 400 });
});
afterAll(async () => {
  await h?.stop();
});

const HOUSEHOLDS = /* GraphQL */ `
  query($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Household {
        directAid { status payments(last: 3) { id month } }
        directAidApplications { id decision appealed }
      }
    }
  }
`;

interface Households {
  _entities: {
    directAid: { payments: { id: string }[] } | null;
    directAidApplications: { id: string; appealed: boolean }[];
  }[];
}

/** Statements the subgraph ran to answer the households' aid, applications and payments. */
async function statementsFor(households: string[]): Promise<{ count: number; body: Households | undefined }> {
  h.db.database.statements.count = 0;
  const { body } = await h.call<Households>(HOUSEHOLDS, {
    r: households.map((id) => ({ __typename: "Household", id })),
  });
  expect(body.errors).toBeUndefined();
  return { count: h.db.database.statements.count, body: body.data };
}

describe("a list of households", () => {
  it("costs as many SQL statements for 20 households as for 2, appeals and payments included", async () => {
    const rows = await h.db.database.sql.query<{ id: string; household_id: string }>(
      "SELECT id, household_id FROM application ORDER BY household_id LIMIT 20",
    );
    expect(rows).toHaveLength(20);
    // Every other application appealed, so that `appealed` answers both ways.
    for (const row of rows.filter((_row, i) => i % 2 === 0)) {
      await h.db.database.sql.query("INSERT INTO appeal (id, application_id, reason) VALUES ($1, $2, 'test')", [
        randomUUID(),
        row.id,
      ]);
    }
    const households = rows.map((r) => r.household_id);
    const two = await statementsFor(households.slice(0, 2));
    const twenty = await statementsFor(households);
    expect(twenty.count).toBe(two.count);
    const applications = twenty.body?._entities.flatMap((e) => e.directAidApplications) ?? [];
    expect(applications.filter((a) => a.appealed)).toHaveLength(10);
    expect(applications.filter((a) => !a.appealed).length).toBeGreaterThanOrEqual(10);
    const payments = twenty.body?._entities.map((e) => e.directAid?.payments.length ?? 0) ?? [];
    expect(Math.max(...payments)).toBe(3);
  });
});
