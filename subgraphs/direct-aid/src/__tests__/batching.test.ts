import { randomUUID } from "node:crypto";
import { countedCall } from "@spx/testkit/test-subgraph";
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
        directAidApplications { id decision appealed appeal { status answerDue } }
      }
    }
  }
`;

interface Households {
  _entities: {
    directAid: { payments: { id: string }[] } | null;
    directAidApplications: { id: string; appealed: boolean; appeal: { status: string; answerDue: string } | null }[];
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
      await h.db.database.sql.query(
        "INSERT INTO appeal (id, application_id, reason, answer_due) VALUES ($1, $2, 'test', now() + interval '30 days')",
        [randomUUID(), row.id],
      );
    }
    const ids = rows.map((r) => r.household_id);
    const two = await households(ids.slice(0, 2));
    const twenty = await households(ids);
    expect(twenty.statements).toBe(two.statements);
    const applications = twenty.data?._entities.flatMap((e) => e.directAidApplications) ?? [];
    expect(applications.filter((a) => a.appealed)).toHaveLength(10);
    expect(applications.filter((a) => a.appeal?.status === "OPEN")).toHaveLength(10);
    expect(applications.filter((a) => !a.appealed).length).toBeGreaterThanOrEqual(10);
    const payments = twenty.data?._entities.map((e) => e.directAid?.payments.length ?? 0) ?? [];
    expect(Math.max(...payments)).toBe(3);
  });
});

describe("ids that cannot be row ids", () => {
  it("answer NOT_FOUND for an order or an application without asking the database, and null for a household", async () => {
    const barid = { sub: "test:barid", agency: "BARID_BANK", role: "SYSTEM" } as const;
    h.db.database.statements.count = 0;
    const outcome = await h.call(
      `mutation { recordPaymentOutcome(orderId: "not-an-id", outcome: PAID, reference: "TX-1") { status } }`,
      {},
      barid,
    );
    expect(outcome.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const appeal = await h.call(
      `mutation { appealDirectAidDecision(applicationId: "42", reason: "Our income fell after a job loss") { id } }`,
    );
    expect(appeal.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(appeal.body.errors?.[0]?.message).toBe("Application not found");
    // Neither asked for a row: at most the transactions' own statements were sent.
    expect(h.db.database.statements.count).toBeLessThanOrEqual(4);

    const [enrolled] = await h.db.database.sql.query<{ household_id: string }>(
      "SELECT household_id FROM enrolment LIMIT 1",
    );
    const { data } = await households(["not-a-household", enrolled?.household_id ?? ""]);
    expect(data?._entities.map((e) => e.directAid !== null)).toEqual([false, true]);
  });
});
