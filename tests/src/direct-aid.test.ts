import { HOUSEHOLD_BATCH } from "@spx/direct-aid/registers";
import type { Caller } from "@spx/runtime/access";
import { declare, livingConditions, registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SYSTEM" };
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
let system: RunningSystem;
let registrar: string;
let agency: string;
const month = new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  system = await startSystem({ label: "asd", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  registrar = await system.token(anr);
  agency = await system.token(anss);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const APPLY = /* GraphQL */ `
  mutation($id: ID!, $other: Boolean!, $institution: PaymentInstitution!, $key: String) {
    applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: $other, paymentInstitution: $institution }, idempotencyKey: $key) {
      id decision reasons appealDeadline
    }
  }
`;
const AID = /* GraphQL */ `
  query($id: ID!) { household(id: $id) { directAid { status institution children
    monthlyEntitlement { amount currency components { reason amount } }
    payments(last: 3) { id month amount status } } } }
`;

interface Applied {
  applyForDirectAid: { id: string; decision: string; reasons: string[]; appealDeadline: string };
}
interface Aid {
  household: {
    directAid: {
      status: string;
      children: number;
      monthlyEntitlement: { amount: string; currency: string; components: { reason: string; amount: string }[] };
      payments: { id: string; month: string; amount: string; status: string }[];
    } | null;
  };
}

/** A father, a mother and two children: one aged 3, one aged 10 and at school. */
async function family(level: "POOR" | "COMFORTABLE") {
  const father = await registerPerson(system, registrar, {
    firstName: "Youssef",
    birthDate: "1982-02-02",
    sex: "MALE",
  });
  const mother = await registerPerson(system, registrar, { firstName: "Hanane", birthDate: "1986-02-02" });
  const young = await registerPerson(system, registrar, {
    firstName: "Malak",
    birthDate: `${Number(month.slice(0, 4)) - 3}-01-15`,
    representative: father,
  });
  const pupil = await registerPerson(system, registrar, {
    firstName: "Anas",
    birthDate: `${Number(month.slice(0, 4)) - 10}-01-15`,
    sex: "MALE",
    representative: father,
  });
  const household = await registerHousehold(system, registrar, father, [
    { idcs: mother, relationship: "SPOUSE" },
    { idcs: young, relationship: "CHILD" },
    { idcs: pupil, relationship: "CHILD" },
  ]);
  await declare(
    system,
    registrar,
    household,
    livingConditions(level, [
      { idcs: father, occupation: level === "POOR" ? "SELF_EMPLOYED" : "PRIVATE_EMPLOYEE" },
      { idcs: mother, occupation: "HOMEMAKER" },
      { idcs: young, schooling: "NONE" },
      { idcs: pupil, schooling: "PRIMARY" },
    ]),
  );
  return { father, mother, young, pupil, household };
}

describe("applying for direct aid", () => {
  it("accepts an eligible household and computes its entitlement from the year's rules", async () => {
    const f = await family("POOR");
    const { body } = await system.query<Applied>(agency, APPLY, {
      id: f.household,
      other: false,
      institution: "BARID_BANK",
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.applyForDirectAid.decision).toBe("ACCEPTED");
    const aid = await system.query<Aid>(agency, AID, { id: f.household });
    const directAid = aid.body.data?.household.directAid;
    expect(directAid?.status).toBe("ACTIVE");
    expect(directAid?.children).toBe(2);
    const perChild = month >= "2026" ? "300.00" : month >= "2025" ? "250.00" : "200.00";
    expect(directAid?.monthlyEntitlement.components).toEqual([
      { reason: "Child 1, aged 6–20, in school", amount: perChild },
      { reason: "Child 2, aged 0–5", amount: perChild },
    ]);
    expect(directAid?.monthlyEntitlement).toMatchObject({ amount: (Number(perChild) * 2).toFixed(2), currency: "MAD" });
    const again = await system.query(agency, APPLY, { id: f.household, other: false, institution: "BARID_BANK" });
    expect(again.body.errors?.[0]?.extensions?.code).toBe("ALREADY_ENROLLED");
  });

  it("refuses with reasons, and takes one appeal within 15 days", async () => {
    const rich = await family("COMFORTABLE");
    const refused = await system.query<Applied>(agency, APPLY, {
      id: rich.household,
      other: false,
      institution: "CASH_PLUS",
    });
    expect(refused.body.data?.applyForDirectAid.decision).toBe("REFUSED");
    expect(refused.body.data?.applyForDirectAid.reasons[0]).toMatch(/above the direct aid threshold/);
    const deadline = new Date(refused.body.data?.applyForDirectAid.appealDeadline ?? 0).getTime();
    expect(Math.round((deadline - Date.now()) / 86_400_000)).toBe(15);
    const APPEAL = `mutation($id: ID!) { appealDirectAidDecision(applicationId: $id, reason: "Our income fell after a job loss") { appealed } }`;
    const appealed = await system.query(agency, APPEAL, { id: refused.body.data?.applyForDirectAid.id });
    expect(appealed.body.data).toEqual({ appealDirectAidDecision: { appealed: true } });
    const twice = await system.query(agency, APPEAL, { id: refused.body.data?.applyForDirectAid.id });
    expect(twice.body.errors?.[0]?.extensions?.code).toBe("ALREADY_APPEALED");

    const poor = await family("POOR");
    const allowance = await system.query<Applied>(agency, APPLY, {
      id: poor.household,
      other: true,
      institution: "CASH_PLUS",
    });
    expect(allowance.body.data?.applyForDirectAid).toMatchObject({
      decision: "REFUSED",
      reasons: ["The household receives another family allowance"],
    });
    const unknown = await system.query(agency, APPLY, {
      id: "00000000-0000-4000-8000-999999999999",
      other: false,
      institution: "CASH_PLUS",
    });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("UNKNOWN_HOUSEHOLD");
  });
});

describe("the monthly payment run", () => {
  const RUN = `mutation($month: String!) { runMonthlyPayments(month: $month) { month issued alreadyIssued skipped amount } }`;

  it("pays each eligible household once per month, in batched graph requests, and records why others are not paid", async () => {
    const paid = await family("POOR");
    const lapsed = await family("POOR");
    for (const f of [paid, lapsed]) {
      await system.query(agency, APPLY, { id: f.household, other: false, institution: "WAFACASH" });
    }
    // The second household's living conditions improve: its index rises above the threshold.
    await declare(
      system,
      registrar,
      lapsed.household,
      livingConditions("COMFORTABLE", [
        { idcs: lapsed.father },
        { idcs: lapsed.mother },
        { idcs: lapsed.young },
        { idcs: lapsed.pupil },
      ]),
    );

    const active = await system.directAidDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM enrolment WHERE status = 'ACTIVE'",
    );
    const before = system.graphCalls["service:direct-aid"] ?? 0;
    const first = await system.query<{
      runMonthlyPayments: { issued: number; alreadyIssued: number; skipped: number };
    }>(agency, RUN, { month });
    expect(first.body.errors).toBeUndefined();
    const report = first.body.data?.runMonthlyPayments;
    expect((report?.issued ?? 0) + (report?.skipped ?? 0) + (report?.alreadyIssued ?? 0)).toBe(active[0]?.n);
    expect((system.graphCalls["service:direct-aid"] ?? 0) - before).toBe(
      Math.ceil((active[0]?.n ?? 0) / HOUSEHOLD_BATCH),
    );
    const skip = await system.directAidDb.database.sql.query<{ reason: string }>(
      "SELECT reason FROM payment_skip WHERE household_id = $1 AND month = $2",
      [lapsed.household, month],
    );
    expect(skip[0]?.reason).toMatch(/above the direct aid threshold/);
    const orders = async () =>
      (await system.directAidDb.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM payment_order"))[0]
        ?.n;
    const count = await orders();

    const second = await system.query<{ runMonthlyPayments: { issued: number; alreadyIssued: number } }>(agency, RUN, {
      month,
    });
    expect(second.body.data?.runMonthlyPayments.issued).toBe(0);
    expect(second.body.data?.runMonthlyPayments.alreadyIssued).toBe(report?.issued);
    expect(await orders()).toBe(count);

    const aid = await system.query<Aid>(agency, AID, { id: paid.household });
    expect(aid.body.data?.household.directAid?.payments[0]).toMatchObject({ month, status: "ISSUED" });
  });

  it("refuses a month in the future or malformed", async () => {
    const future = await system.query(agency, RUN, { month: "2999-01" });
    expect(future.body.errors?.[0]?.extensions?.code).toBe("MONTH_IN_FUTURE");
    const malformed = await system.query(agency, RUN, { month: "2026-13" });
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("payment outcomes and reconciliation", () => {
  const OUTCOME = `mutation($id: ID!, $outcome: PaymentOutcome!, $ref: String!) { recordPaymentOutcome(orderId: $id, outcome: $outcome, reference: $ref) { status reference } }`;

  it("records an institution's outcome once, refuses bad transitions and other institutions' orders", async () => {
    const [order] = await system.directAidDb.database.sql.query<{ id: string; institution: string }>(
      "SELECT id, institution FROM payment_order WHERE status = 'ISSUED' ORDER BY id LIMIT 1",
    );
    const own = await system.token({ sub: "pi", agency: order?.institution as Caller["agency"], role: "SYSTEM" });
    const other = await system.token({
      sub: "pi2",
      agency: order?.institution === "CASH_PLUS" ? "WAFACASH" : "CASH_PLUS",
      role: "SYSTEM",
    });
    expect(
      (await system.query(other, OUTCOME, { id: order?.id, outcome: "PAID", ref: "X-1" })).body.errors?.[0]?.extensions
        ?.code,
    ).toBe("FORBIDDEN");
    const paid = await system.query(own, OUTCOME, { id: order?.id, outcome: "PAID", ref: "TX-42" });
    expect(paid.body.data).toEqual({ recordPaymentOutcome: { status: "PAID", reference: "TX-42" } });
    const repeat = await system.query(own, OUTCOME, { id: order?.id, outcome: "PAID", ref: "TX-42" });
    expect(repeat.body.data).toEqual(paid.body.data);
    const bad = await system.query(own, OUTCOME, { id: order?.id, outcome: "FAILED", ref: "TX-43" });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_TRANSITION", from: "PAID", to: "FAILED" });
  });

  it("totals issued, paid and failed orders per institution and month", async () => {
    const previous = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 2, 1))
      .toISOString()
      .slice(0, 7);
    const { body } = await system.query<{
      paymentReconciliation: {
        institution: string;
        issued: number;
        paid: number;
        failed: number;
        pending: number;
        issuedAmount: string;
      }[];
    }>(
      agency,
      `query($m: String!) { paymentReconciliation(month: $m) { institution issued paid failed returned pending issuedAmount paidAmount } }`,
      { m: previous },
    );
    const rows = body.data?.paymentReconciliation ?? [];
    expect(rows.length).toBeGreaterThan(0);
    const [db] = await system.directAidDb.database.sql.query<{ n: number; total: string }>(
      "SELECT count(*)::int AS n, sum(amount)::text AS total FROM payment_order WHERE month = $1",
      [previous],
    );
    expect(rows.reduce((s, r) => s + r.issued, 0)).toBe(db?.n);
    expect(rows.reduce((s, r) => s + Math.round(Number(r.issuedAmount) * 100), 0)).toBe(Number(db?.total));
    for (const row of rows) {
      expect(row.paid + row.failed + row.pending).toBeLessThanOrEqual(row.issued);
    }
  });

  it("reports households, children and amounts by region and month", async () => {
    const { body } = await system.query<{
      directAidStatistics: { region: string; month: string; households: number; amount: string }[];
    }>(
      await system.token(analyst),
      "{ directAidStatistics(by: [REGION, MONTH]) { region month households children amount } }",
    );
    const cells = body.data?.directAidStatistics ?? [];
    expect(cells.length).toBeGreaterThan(12);
    expect(cells.every((c) => /^(0[1-9]|1[0-2])$/.test(c.region) && /^\d{4}-\d{2}$/.test(c.month))).toBe(true);
  });
});
