import { randomUUID } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { currentMonth } from "../domain/entitlement.js";
import type { AidHouseholdFacts } from "../domain/household-facts.js";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { anss, type Harness, startDirectAid } from "./harness.js";

let h: Harness;
const now = currentMonth();
const [year = 1970, mon = 1] = now.split("-").map(Number);
/** The last month the demo seed paid (its orders are still ISSUED). */
const lastMonth = new Date(Date.UTC(year, mon - 2, 1)).toISOString().slice(0, 7);

const barid: Caller = { sub: "test:barid", agency: "BARID_BANK", role: "SYSTEM" };
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
const worker = (region: Caller["region"]): Caller => ({ sub: "test:cw", agency: "ANSS", role: "CASE_WORKER", region });
const citizen = (idcs: string): Caller => ({ sub: `test:${idcs}`, role: "CITIZEN", idcs });

beforeAll(async () => {
  h = await startDirectAid("access");
  await seedDemoIfEmpty(h.app.prisma, { persons: 400 });
});
afterAll(async () => {
  await h?.stop();
});

async function ids(where: string, params: unknown[]): Promise<string[]> {
  const rows = await h.db.database.sql.query<{ id: string }>(
    `SELECT id FROM payment_order WHERE ${where} ORDER BY id`,
    params,
  );
  return rows.map((r) => r.id);
}

interface Orders {
  paymentOrders: { id: string; institution: string; beneficiary: { idcs: string } }[] | null;
}
const ORDERS = /* GraphQL */ `
  query($month: String!, $first: Int, $after: String) {
    paymentOrders(month: $month, first: $first, after: $after) { id institution beneficiary { idcs } }
  }
`;

async function allPages(caller: Caller, first: number): Promise<NonNullable<Orders["paymentOrders"]>> {
  const seen: NonNullable<Orders["paymentOrders"]> = [];
  let after: string | undefined;
  for (;;) {
    const { body } = await h.call<Orders>(ORDERS, { month: lastMonth, first, after }, caller);
    expect(body.errors).toBeUndefined();
    const page = body.data?.paymentOrders ?? [];
    seen.push(...page);
    if (page.length < first) {
      return seen;
    }
    after = page.at(-1)?.id;
  }
}

describe("paymentOrders", () => {
  it("gives a payment institution its own orders of the month, page by page in id order, with their beneficiary", async () => {
    const expected = await ids("month = $1 AND institution = 'BARID_BANK'", [lastMonth]);
    expect(expected.length).toBeGreaterThan(7);
    const orders = await allPages(barid, 7);
    expect(orders.map((o) => o.id)).toEqual(expected);
    expect(new Set(orders.map((o) => o.institution))).toEqual(new Set(["BARID_BANK"]));
    const [first] = await h.db.database.sql.query<{ beneficiary_idcs: string }>(
      "SELECT beneficiary_idcs FROM payment_order WHERE id = $1",
      [orders[0]?.id],
    );
    expect(orders[0]?.beneficiary).toEqual({ idcs: first?.beneficiary_idcs });
    // aid:payout, not aid:payments: what the amount is made of stays with the programme.
    const components = await h.call(
      `query($month: String!) { paymentOrders(month: $month, first: 1) { id components { amount } } }`,
      { month: lastMonth },
      barid,
    );
    expect(components.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("gives a case worker their region, a citizen their own orders, and an analyst nothing", async () => {
    const region = await ids("month = $1 AND region_code = '06'", [lastMonth]);
    expect(region.length).toBeGreaterThan(0);
    expect((await allPages(worker("06"), 1000)).map((o) => o.id)).toEqual(region);

    const [someone] = await h.db.database.sql.query<{ beneficiary_idcs: string }>(
      "SELECT beneficiary_idcs FROM payment_order WHERE month = $1 ORDER BY id LIMIT 1",
      [lastMonth],
    );
    const own = await ids("month = $1 AND beneficiary_idcs = $2", [lastMonth, someone?.beneficiary_idcs]);
    expect((await allPages(citizen(someone?.beneficiary_idcs ?? ""), 100)).map((o) => o.id)).toEqual(own);

    const refused = await h.call<Orders>(ORDERS, { month: lastMonth }, analyst);
    expect(refused.body.data?.paymentOrders).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("refuses pages over 1000 orders, malformed months and cursors that are not order ids", async () => {
    const big = await h.call(ORDERS, { month: lastMonth, first: 1001 }, barid);
    expect(big.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const month = await h.call(ORDERS, { month: "2026-13" }, barid);
    expect(month.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const cursor = await h.call(ORDERS, { month: lastMonth, after: "not-an-id" }, barid);
    expect(cursor.body.errors?.[0]?.extensions?.code).toBe("BAD_CURSOR");
  });
});

/** A poor household of region 03: a father at its head, a mother and a child of 3. */
function household(): AidHouseholdFacts {
  const head = String(1_000_000_000 + Math.floor(Math.random() * 8_000_000_000));
  const spouse = String(Number(head) + 1);
  const child = String(Number(head) + 2);
  const person = (idcs: string, birthDate: string, sex: string) => ({ idcs, birthDate, sex, lifeStatus: "ALIVE" });
  const facts: AidHouseholdFacts = {
    id: randomUUID(),
    regionCode: "03",
    eligibility: [{ program: "DIRECT_AID", eligible: true, scoreUsed: "9.1000000" }],
    members: [
      { relationship: "HEAD", person: person(head, "1980-01-01", "MALE") },
      { relationship: "SPOUSE", person: person(spouse, "1984-01-01", "FEMALE") },
      { relationship: "CHILD", person: person(child, `${year - 3}-01-15`, "FEMALE") },
    ],
    declaration: {
      members: [
        { idcs: head, occupation: "SELF_EMPLOYED" },
        { idcs: spouse, occupation: "HOMEMAKER" },
        { idcs: child, occupation: "NONE" },
      ],
    },
  };
  h.households.set(facts.id, facts);
  return facts;
}

const APPLY = /* GraphQL */ `
  mutation($id: ID!) {
    applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: false, paymentInstitution: WAFACASH }) {
      id decision
    }
  }
`;
const AID = /* GraphQL */ `
  query($id: ID!) {
    _entities(representations: [{ __typename: "Household", id: $id }]) {
      ... on Household { directAid { status payments { month beneficiary { idcs } } } directAidApplications { decision } }
    }
  }
`;
interface Aid {
  _entities: {
    directAid: { status: string; payments: { month: string; beneficiary: { idcs: string } }[] } | null;
    directAidApplications: { decision: string }[] | null;
  }[];
}

describe("applying and reading direct aid", () => {
  it("refuses, before writing, a case worker of another region and a citizen of another household", async () => {
    const facts = household();
    const elsewhere = await h.call(APPLY, { id: facts.id }, worker("04"));
    expect(elsewhere.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const stranger = await h.call(APPLY, { id: facts.id }, citizen("1999999999"));
    expect(stranger.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const written = await h.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM application WHERE household_id = $1",
      [facts.id],
    );
    expect(written[0]?.n).toBe(0);
  });

  it("takes an appeal from the household's region or its head only", async () => {
    const facts = household();
    facts.eligibility = [{ program: "DIRECT_AID", eligible: false, scoreUsed: "10.2000000" }];
    const refused = await h.call<{ applyForDirectAid: { id: string; decision: string } }>(APPLY, { id: facts.id });
    expect(refused.body.data?.applyForDirectAid.decision).toBe("REFUSED");
    const APPEAL = `mutation($id: ID!) { appealDirectAidDecision(applicationId: $id, reason: "Our income fell after a job loss") { appealed } }`;
    const id = refused.body.data?.applyForDirectAid.id;
    const spouse = facts.members[1]?.person.idcs ?? "";
    for (const caller of [worker("04"), citizen(spouse)]) {
      const { body } = await h.call(APPEAL, { id }, caller);
      expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const byHead = await h.call(APPEAL, { id }, citizen(facts.members[0]?.person.idcs ?? ""));
    expect(byHead.body.data).toEqual({ appealDirectAidDecision: { appealed: true } });
  });

  it("enrols the household with its head, who is paid, and shows it to the region and the head only", async () => {
    const facts = household();
    const head = facts.members[0]?.person.idcs ?? "";
    const applied = await h.call(APPLY, { id: facts.id }, worker("03"));
    expect(applied.body.errors).toBeUndefined();
    expect(applied.body.data).toMatchObject({ applyForDirectAid: { decision: "ACCEPTED" } });
    const [row] = await h.db.database.sql.query<{ head_idcs: string; region_code: string }>(
      "SELECT e.head_idcs, a.region_code FROM enrolment e JOIN application a USING (household_id) WHERE household_id = $1",
      [facts.id],
    );
    expect(row).toEqual({ head_idcs: head, region_code: "03" });

    const run = await h.call<{ runMonthlyPayments: { issued: number } }>(
      `mutation($month: String!) { runMonthlyPayments(month: $month) { issued } }`,
      { month: now },
    );
    expect(run.body.errors).toBeUndefined();
    expect(run.body.data?.runMonthlyPayments.issued).toBeGreaterThan(0);

    const byHead = await h.call<Aid>(AID, { id: facts.id }, citizen(head));
    expect(byHead.body.errors).toBeUndefined();
    expect(byHead.body.data?._entities[0]).toEqual({
      directAid: { status: "ACTIVE", payments: [{ month: now, beneficiary: { idcs: head } }] },
      directAidApplications: [{ decision: "ACCEPTED" }],
    });
    const byRegion = await h.call<Aid>(AID, { id: facts.id }, worker("03"));
    expect(byRegion.body.data?._entities[0]?.directAid?.status).toBe("ACTIVE");

    const otherRegion = await h.call<Aid>(AID, { id: facts.id }, worker("04"));
    expect(otherRegion.body.data?._entities[0]).toEqual({ directAid: null, directAidApplications: [] });
    expect(otherRegion.body.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});

describe("nationwide operations and payment outcomes", () => {
  it("refuses reconciliation to a regional caller and payment runs to anyone without aid:disburse", async () => {
    const regional = await h.call(
      `query($m: String!) { paymentReconciliation(month: $m) { institution issued } }`,
      { m: lastMonth },
      worker("03"),
    );
    expect(regional.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const national = await h.call<{ paymentReconciliation: unknown[] }>(
      `query($m: String!) { paymentReconciliation(month: $m) { institution issued } }`,
      { m: lastMonth },
    );
    expect(national.body.data?.paymentReconciliation.length).toBeGreaterThan(0);
    const run = await h.call(`mutation { runMonthlyPayments(month: "${now}") { issued } }`, undefined, worker("03"));
    expect(run.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("lets an institution report on its own orders only", async () => {
    const [order] = await h.db.database.sql.query<{ id: string; institution: string }>(
      "SELECT id, institution FROM payment_order WHERE status = 'ISSUED' AND institution <> 'BARID_BANK' ORDER BY id LIMIT 1",
    );
    const OUTCOME = `mutation($id: ID!) { recordPaymentOutcome(orderId: $id, outcome: PAID, reference: "TX-1") { status } }`;
    const other = await h.call(OUTCOME, { id: order?.id }, barid);
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const programme = await h.call(OUTCOME, { id: order?.id }, anss);
    expect(programme.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const own: Caller = { sub: "test:own", agency: order?.institution as Caller["agency"], role: "SYSTEM" };
    const paid = await h.call(OUTCOME, { id: order?.id }, own);
    expect(paid.body.data).toEqual({ recordPaymentOutcome: { status: "PAID" } });
  });
});
