import { randomUUID } from "node:crypto";
import { countedCall } from "@spx/runtime/test-subgraph";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { type Harness, startDirectAid } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startDirectAid("batching");
  await seedDemoIfEmpty(h.app.prisma, { persons: 400 });
});
afterAll(() => h?.stop());

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

/** The households' aid, applications and payments, and the statements they cost. */
const households = (ids: string[]) =>
  countedCall<Households>(h, HOUSEHOLDS, { r: ids.map((id) => ({ __typename: "Household", id })) });

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
    const ids = rows.map((r) => r.household_id);
    const two = await households(ids.slice(0, 2));
    const twenty = await households(ids);
    expect(twenty.statements).toBe(two.statements);
    const applications = twenty.data?._entities.flatMap((e) => e.directAidApplications) ?? [];
    expect(applications.filter((a) => a.appealed)).toHaveLength(10);
    expect(applications.filter((a) => !a.appealed).length).toBeGreaterThanOrEqual(10);
    const payments = twenty.data?._entities.map((e) => e.directAid?.payments.length ?? 0) ?? [];
    expect(Math.max(...payments)).toBe(3);
  });
});
