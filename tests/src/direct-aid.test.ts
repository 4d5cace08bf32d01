import { randomUUID } from "node:crypto";
import { endOfDaysAfter } from "@spx/direct-aid/domain/calendar";
import { HOUSEHOLD_BATCH, PERSON_BATCH } from "@spx/direct-aid/registers";
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
/** The school year of today (September to August), as a declaration gives it. */
const schoolYear = (() => {
  const now = new Date();
  const start = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return `${start}-${start + 1}`;
})();

/** Living conditions with the members' current enrolment (by IDCS) declared. */
function withEnrolment(input: Record<string, unknown>, enrolled: Record<string, string>): Record<string, unknown> {
  const members = input.members as { idcs: string }[];
  return {
    ...input,
    members: members.map((m) =>
      enrolled[m.idcs] ? { ...m, enrolment: { level: enrolled[m.idcs], institutionType: "PUBLIC", schoolYear } } : m,
    ),
  };
}

beforeAll(async () => {
  // Events are delivered when a test drains them: graph requests counted are the run's own.
  system = await startSystem({
    label: "asd",
    seedPersons: 600,
    seedHouseholds: true,
    seedProgrammes: true,
    events: { background: false },
  });
  registrar = await system.token(anr);
  agency = await system.token(anss);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const APPLY = /* GraphQL */ `
  mutation($id: ID!, $other: Boolean!, $institution: PaymentInstitution!, $key: String) {
    applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: $other, paymentInstitution: $institution }, idempotencyKey: $key) {
      id decision reasons decidedAt appealDeadline
    }
  }
`;
const AID = /* GraphQL */ `
  query($id: ID!) { household(id: $id) { directAid { status institution children
    monthlyEntitlement { amount currency components { reason amount } }
    payments(last: 3) { id month amount status } } } }
`;

interface Applied {
  applyForDirectAid: { id: string; decision: string; reasons: string[]; decidedAt: string; appealDeadline: string };
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
    withEnrolment(
      livingConditions(level, [
        { idcs: father, occupation: level === "POOR" ? "SELF_EMPLOYED" : "PRIVATE_EMPLOYEE" },
        { idcs: mother, occupation: "HOMEMAKER" },
        { idcs: young, schooling: "NONE" },
        { idcs: pupil, schooling: "PRIMARY" },
      ]),
      { [pupil]: "PRIMARY" },
    ),
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
    // To the end of the 15th calendar day after the decision's, in Morocco's time.
    const decidedAt = new Date(refused.body.data?.applyForDirectAid.decidedAt ?? 0);
    expect(refused.body.data?.applyForDirectAid.appealDeadline).toBe(
      endOfDaysAfter(decidedAt, 15, "Africa/Casablanca").toISOString(),
    );
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
    const members = await system.socialRegistryDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM membership",
    );
    const before = system.graphCalls["service:direct-aid"] ?? 0;
    const first = await system.query<{
      runMonthlyPayments: { issued: number; alreadyIssued: number; skipped: number };
    }>(agency, RUN, { month });
    expect(first.body.errors).toBeUndefined();
    const report = first.body.data?.runMonthlyPayments;
    expect((report?.issued ?? 0) + (report?.skipped ?? 0) + (report?.alreadyIssued ?? 0)).toBe(active[0]?.n);
    // Households 160 a request, their members' civil facts 1,000 persons a request: a few
    // requests per page of 500 enrolments, never one per household.
    const calls = (system.graphCalls["service:direct-aid"] ?? 0) - before;
    expect(calls).toBeGreaterThanOrEqual(Math.ceil((active[0]?.n ?? 0) / HOUSEHOLD_BATCH));
    expect(calls).toBeLessThanOrEqual(
      2 * Math.ceil((active[0]?.n ?? 0) / HOUSEHOLD_BATCH) + Math.ceil((members[0]?.n ?? 0) / PERSON_BATCH) + 2,
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

/*
 * Issue 19: the rules read the population register's civil facts and the declared enrolment, and
 * direct aid follows other registers' events. Everything below goes through the real registers.
 */
const RUN_MONTH = `mutation($month: String!) { runMonthlyPayments(month: $month) { issued alreadyIssued skipped } }`;
const doc = "Acte adoulaire 12/2026";
const previousMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 2, 1))
  .toISOString()
  .slice(0, 7);
const thisYear = Number(month.slice(0, 4));

async function civil(query: string, variables: Record<string, unknown>): Promise<void> {
  const { body } = await system.query(registrar, query, { ...variables, key: randomUUID() });
  if (body.errors) {
    throw new Error(`${query.slice(0, 40)}: ${JSON.stringify(body.errors)}`);
  }
}
const filiation = (childIdcs: string, motherIdcs: string | null, fatherIdcs: string | null) =>
  civil(
    `mutation($input: RecordFiliationInput!, $key: String) { recordFiliation(input: $input, idempotencyKey: $key) { person { idcs } } }`,
    { input: { childIdcs, motherIdcs, fatherIdcs, sourceDocument: doc } },
  );
const death = (idcs: string, dateOfDeath: string) =>
  civil(
    `mutation($idcs: ID!, $d: Date!, $key: String) { recordDeath(idcs: $idcs, dateOfDeath: $d, idempotencyKey: $key) { person { idcs } } }`,
    { idcs, d: dateOfDeath },
  );
const marriage = (husbandIdcs: string, wifeIdcs: string) =>
  civil(
    `mutation($input: RecordMarriageInput!, $key: String) { recordMarriage(input: $input, idempotencyKey: $key) { marriageId } }`,
    { input: { husbandIdcs, wifeIdcs, since: "2008-06-01", sourceDocument: doc } },
  );
const disability = (idcs: string) =>
  civil(
    `mutation($input: RecordDisabilityInput!, $key: String) { recordDisability(input: $input, idempotencyKey: $key) { person { idcs } } }`,
    {
      input: {
        idcs,
        certifyingAuthority: "Commission médicale provinciale de Safi",
        certifiedOn: `${thisYear - 1}-03-01`,
        permanentIncapacity: true,
        sourceDocument: doc,
      },
    },
  );
const kafala = (childIdcs: string, guardianIdcs: string) =>
  civil(
    `mutation($input: RecordGuardianshipInput!, $key: String) { recordGuardianship(input: $input, idempotencyKey: $key) { guardianship { id } } }`,
    { input: { kind: "KAFALA", childIdcs, guardianIdcs, since: `${thisYear - 1}-01-10`, sourceDocument: doc } },
  );

/** Delivers every event now: the producers' relays, then direct aid's consumers. */
async function deliver(): Promise<void> {
  await system.population.events.drain();
  await system.socialRegistry.events.drain();
  await system.directAid.events.drain();
}

async function enrol(household: string): Promise<void> {
  const { body } = await system.query<Applied>(agency, APPLY, {
    id: household,
    other: false,
    institution: "BARID_BANK",
    key: randomUUID(),
  });
  expect(body.data?.applyForDirectAid.decision).toBe("ACCEPTED");
}

async function order(household: string, m = month) {
  const [row] = await system.directAidDb.database.sql.query<{
    components: { reason: string; amount: number }[];
    children: number;
    beneficiary_idcs: string;
    beneficiary_basis: string;
  }>(
    "SELECT components, children, beneficiary_idcs, beneficiary_basis FROM payment_order WHERE household_id = $1 AND month = $2",
    [household, m],
  );
  return row;
}

async function reactions(household: string) {
  return system.directAidDb.database.sql.query<{ event_id: string; event_type: string; action: string }>(
    "SELECT event_id, event_type, action FROM event_reaction WHERE subject = $1 ORDER BY at",
    [household],
  );
}

const poorOf = (
  members: { idcs: string; schooling?: string; occupation?: string }[],
  enrolled: Record<string, string>,
) => withEnrolment(livingConditions("POOR", members), enrolled);

describe("rules from the registers' facts", () => {
  it("pays a divorced mother's child the ordinary amount, the orphan amount once the father's death is recorded", async () => {
    const mother = await registerPerson(system, registrar, { firstName: "Naima", birthDate: "1988-04-04" });
    const father = await registerPerson(system, registrar, { firstName: "Omar", birthDate: "1984-04-04", sex: "MALE" });
    const pupil = await registerPerson(system, registrar, {
      firstName: "Rim",
      birthDate: `${thisYear - 9}-02-01`,
      representative: mother,
    });
    await filiation(pupil, mother, father);
    const household = await registerHousehold(system, registrar, mother, [{ idcs: pupil, relationship: "CHILD" }]);
    await declare(
      system,
      registrar,
      household,
      poorOf([{ idcs: mother, occupation: "HOMEMAKER" }, { idcs: pupil }], { [pupil]: "PRIMARY" }),
    );
    await enrol(household);
    const aid = await system.query<Aid>(agency, AID, { id: household });
    expect(aid.body.data?.household.directAid?.monthlyEntitlement.components[0]?.reason).toBe(
      "Child 1, aged 6–20, in school",
    );
    await death(father, `${previousMonth}-20`);
    await deliver();
    // The death re-evaluated the enrolment of the household his child lives in.
    expect((await reactions(household)).map((r) => r.action)).toEqual(["DEATH_REFLECTED"]);
    const after = await system.query<Aid>(agency, AID, { id: household });
    expect(after.body.data?.household.directAid?.monthlyEntitlement.components[0]).toEqual({
      reason: "Child 1 without a father",
      amount: "350.00",
    });
  });

  it("counts an orphaned grandchild in the grandmother's kafala, paid to her as kafala holder, disabled supplement included", async () => {
    const grandmother = await registerPerson(system, registrar, { firstName: "Fatna", birthDate: "1956-05-05" });
    const mother = await registerPerson(system, registrar, { firstName: "Samira", birthDate: "1985-05-05" });
    const father = await registerPerson(system, registrar, {
      firstName: "Hamid",
      birthDate: "1982-05-05",
      sex: "MALE",
    });
    const grandchild = await registerPerson(system, registrar, {
      firstName: "Yassine",
      birthDate: `${thisYear - 12}-03-01`,
      sex: "MALE",
      representative: grandmother,
    });
    await filiation(grandchild, mother, father);
    await death(father, "2020-01-01");
    await death(mother, "2021-01-01");
    await kafala(grandchild, grandmother);
    await disability(grandchild);
    const household = await registerHousehold(system, registrar, grandmother, [
      { idcs: grandchild, relationship: "GRANDCHILD" },
    ]);
    await declare(
      system,
      registrar,
      household,
      poorOf([{ idcs: grandmother, occupation: "UNEMPLOYED" }, { idcs: grandchild }], {
        [grandchild]: "LOWER_SECONDARY",
      }),
    );
    await enrol(household);
    await system.query(agency, RUN_MONTH, { month });
    const paid = await order(household);
    expect(paid?.children).toBe(1);
    expect(paid?.components.slice(0, 2)).toEqual([
      { reason: "Child 1 without a father", amount: 35_000 },
      { reason: "Child 1: disability supplement", amount: 10_000 },
    ]);
    expect(paid).toMatchObject({ beneficiary_idcs: grandmother, beneficiary_basis: "KAFALA" });
  });

  it("pays the husband before the wife who registered the household, and ranks a birth over all the mother's children", async () => {
    const wife = await registerPerson(system, registrar, { firstName: "Khadija", birthDate: "1990-06-06" });
    const husband = await registerPerson(system, registrar, {
      firstName: "Said",
      birthDate: "1987-06-06",
      sex: "MALE",
    });
    await marriage(husband, wife);
    const eldest = await registerPerson(system, registrar, {
      firstName: "Amine",
      birthDate: "2012-01-01",
      representative: wife,
    });
    const second = await registerPerson(system, registrar, {
      firstName: "Sara",
      birthDate: "2016-01-01",
      representative: wife,
    });
    const newborn = await registerPerson(system, registrar, {
      firstName: "Ilyas",
      birthDate: `${month}-01`,
      representative: wife,
    });
    for (const child of [eldest, second, newborn]) {
      await filiation(child, wife, husband);
    }
    // The eldest died: the newborn is the mother's third birth, not her second.
    await death(eldest, "2018-03-03");
    const household = await registerHousehold(system, registrar, wife, [
      { idcs: husband, relationship: "SPOUSE" },
      { idcs: second, relationship: "CHILD" },
      { idcs: newborn, relationship: "CHILD" },
    ]);
    await declare(
      system,
      registrar,
      household,
      poorOf(
        [
          { idcs: wife, occupation: "HOMEMAKER" },
          { idcs: husband, occupation: "SELF_EMPLOYED" },
          { idcs: second },
          { idcs: newborn },
        ],
        {
          [second]: "PRIMARY",
        },
      ),
    );
    await enrol(household);
    await system.query(agency, RUN_MONTH, { month });
    const paid = await order(household);
    expect(paid).toMatchObject({ beneficiary_idcs: husband, beneficiary_basis: "HUSBAND", children: 2 });
    expect(paid?.components.some((c) => c.reason.startsWith("Birth grant"))).toBe(false);
  });
});

describe("direct aid follows the registers' events", () => {
  it("stops counting a child who died last month, once, also when the event is delivered again", async () => {
    const f = await family("POOR");
    await enrol(f.household);
    await death(f.young, `${previousMonth}-05`);
    await deliver();
    const [first] = await reactions(f.household);
    expect(first).toMatchObject({ event_type: "person.died", action: "DEATH_REFLECTED" });
    // Delivered again from the start of the feed: recognised by its id, nothing done twice.
    await system.directAidDb.database.sql.query("UPDATE event_cursor SET position = 0 WHERE source = 'population'");
    await deliver();
    expect(await reactions(f.household)).toHaveLength(1);
    await system.query(agency, RUN_MONTH, { month });
    await system.query(agency, RUN_MONTH, { month });
    const paid = await order(f.household);
    expect(paid?.children).toBe(1);
    expect(paid?.components.some((c) => c.reason === "Child 2, aged 0–5")).toBe(false);
  });

  it("passes the payee from a deceased head to the mother, and ends the enrolment of a household whose members all died", async () => {
    const f = await family("POOR");
    for (const child of [f.young, f.pupil]) {
      await filiation(child, f.mother, f.father);
    }
    await enrol(f.household);
    await death(f.father, `${previousMonth}-11`);
    await deliver();
    const enrolment = await system.directAid.prisma.enrolment.findUniqueOrThrow({
      where: { householdId: f.household },
    });
    expect(enrolment).toMatchObject({ payeeIdcs: f.mother, payeeBasis: "MOTHER", status: "ACTIVE" });

    const alone = await registerPerson(system, registrar, { firstName: "Aicha", birthDate: "1950-01-01" });
    const single = await registerHousehold(system, registrar, alone, []);
    await declare(system, registrar, single, poorOf([{ idcs: alone, occupation: "UNEMPLOYED" }], {}));
    await enrol(single);
    await death(alone, `${previousMonth}-02`);
    await deliver();
    expect(await system.directAid.prisma.enrolment.findUniqueOrThrow({ where: { householdId: single } })).toMatchObject(
      {
        status: "ENDED",
      },
    );
    expect((await reactions(single)).map((r) => r.action)).toEqual(["ENROLMENT_ENDED"]);
  });

  it("gives notice when the index crosses the threshold, suspends after the period, and a revision cancels it", async () => {
    const NOTICES = `query($id: ID!) { household(id: $id) { aidNotices { id status effectiveOn contest causeEventId } directAid { status } } }`;
    type Notices = {
      household: {
        aidNotices: { id: string; status: string; effectiveOn: string; contest: string; causeEventId: string }[];
        directAid: { status: string };
      };
    };
    const suspended = await family("POOR");
    const revised = await family("POOR");
    for (const f of [suspended, revised]) {
      await enrol(f.household);
      await declare(
        system,
        registrar,
        f.household,
        livingConditions("COMFORTABLE", [
          { idcs: f.father, occupation: "PRIVATE_EMPLOYEE" },
          { idcs: f.mother },
          { idcs: f.young },
          { idcs: f.pupil },
        ]),
      );
    }
    await deliver();
    const worker = await system.token({ sub: "test:anss-cw", agency: "ANSS", role: "CASE_WORKER", region: "07" });
    const seen = await system.query<Notices>(worker, NOTICES, { id: suspended.household });
    expect(seen.body.errors).toBeUndefined();
    const [notice] = seen.body.data?.household.aidNotices ?? [];
    expect(notice).toMatchObject({ status: "PENDING" });
    expect(notice?.causeEventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(notice?.contest).toMatch(/revision/);
    const effectiveOn = notice?.effectiveOn ?? "";
    const dayBefore = new Date(Date.parse(`${effectiveOn}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

    // The second household asks for a revision, then declares conditions that lower its index.
    const request = await system.query(
      registrar,
      `mutation($id: ID!) { requestIndexRevision(householdId: $id, reason: "The car was sold last month") { id } }`,
      { id: revised.household },
    );
    expect(request.body.errors).toBeUndefined();
    expect((await system.directAid.notices.applyDue(dayBefore)).applied).toBe(0);
    await system.directAid.notices.applyDue(effectiveOn);
    // Due, but the revision awaits a decision: not applied.
    const waiting = await system.query<Notices>(worker, NOTICES, { id: revised.household });
    expect(waiting.body.data?.household.aidNotices[0]?.status).toBe("PENDING");
    const applied = await system.query<Notices>(worker, NOTICES, { id: suspended.household });
    expect(applied.body.data?.household).toMatchObject({
      aidNotices: [{ status: "APPLIED" }],
      directAid: { status: "SUSPENDED" },
    });
    await system.query(agency, RUN_MONTH, { month });
    const [skip] = await system.directAidDb.database.sql.query<{ reason: string }>(
      "SELECT reason FROM payment_skip WHERE household_id = $1 AND month = $2",
      [suspended.household, month],
    );
    expect(skip?.reason).toMatch(new RegExp(`^Suspended after notice ${notice?.id}`));

    await declare(
      system,
      registrar,
      revised.household,
      poorOf(
        [
          { idcs: revised.father, occupation: "SELF_EMPLOYED" },
          { idcs: revised.mother },
          { idcs: revised.young },
          { idcs: revised.pupil },
        ],
        {
          [revised.pupil]: "PRIMARY",
        },
      ),
    );
    await deliver();
    const cancelled = await system.query<Notices>(worker, NOTICES, { id: revised.household });
    expect(cancelled.body.data?.household).toMatchObject({
      aidNotices: [{ status: "CANCELLED" }],
      directAid: { status: "ACTIVE" },
    });
  });
});

describe("an accepted appeal", () => {
  it("reinstates from the refused decision and pays the arrears once, across runs", async () => {
    const rich = await family("COMFORTABLE");
    const refused = await system.query<Applied>(agency, APPLY, {
      id: rich.household,
      other: false,
      institution: "CASH_PLUS",
    });
    const id = refused.body.data?.applyForDirectAid.id;
    await system.query(
      agency,
      `mutation($id: ID!) { appealDirectAidDecision(applicationId: $id, reason: "The declared car is not ours") { id } }`,
      { id },
    );
    // The refusal was last month (the appeal was filed in time).
    await system.directAidDb.database.sql.query("UPDATE application SET decided_at = $2 WHERE id = $1", [
      id,
      new Date(`${previousMonth}-12T09:00:00Z`),
    ]);
    await declare(
      system,
      registrar,
      rich.household,
      poorOf(
        [
          { idcs: rich.father, occupation: "SELF_EMPLOYED" },
          { idcs: rich.mother },
          { idcs: rich.young },
          { idcs: rich.pupil },
        ],
        {
          [rich.pupil]: "PRIMARY",
        },
      ),
    );
    const official = await system.token({ sub: "anss-appeals-3", agency: "ANSS", role: "CASE_WORKER", region: "07" });
    const decided = await system.query<{ decideDirectAidAppeal: { appeal: { status: string; decidedBy: string } } }>(
      official,
      `mutation($id: ID!) { decideDirectAidAppeal(applicationId: $id, decision: ACCEPT, reasons: ["The vehicle belongs to a neighbour"]) { appeal { status decidedBy } } }`,
      { id },
    );
    expect(decided.body.errors).toBeUndefined();
    expect(decided.body.data?.decideDirectAidAppeal.appeal).toEqual({ status: "UPHELD", decidedBy: "anss-appeals-3" });
    await system.query(agency, RUN_MONTH, { month });
    await system.query(agency, RUN_MONTH, { month });
    const paid = await order(rich.household);
    const arrears = paid?.components.filter((c) => c.reason.startsWith("Arrears")) ?? [];
    expect(arrears).toHaveLength(1);
    expect(arrears[0]?.reason).toMatch(new RegExp(`^Arrears for ${previousMonth} \\(appeal [0-9a-f-]{36}\\)$`));
    // The arrears month is never paid again, not even by a run of that month.
    await system.query(agency, RUN_MONTH, { month: previousMonth });
    expect(await order(rich.household, previousMonth)).toBeUndefined();
  });
});
