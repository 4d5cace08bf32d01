import type { Caller } from "@spx/runtime/access";
import { declare, livingConditions, registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
let system: RunningSystem;
let registrar: string;
let insurer: string;

beforeAll(async () => {
  system = await startSystem({ label: "amo", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  registrar = await system.token(anr);
  insurer = await system.token(cnss);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const ENROLL = /* GraphQL */ `
  mutation($id: ID!, $key: String) {
    enrollAmoTadamon(householdId: $id, idempotencyKey: $key) {
      affiliation { id regime payer status covered { idcs role dependantKind } }
    }
  }
`;
const COVERAGE = /* GraphQL */ `
  query($idcs: ID!) { person(idcs: $idcs) { healthCoverage { regime role payer status principalIdcs } coverageHistory { regime until endReason } } }
`;

interface Enrolled {
  enrollAmoTadamon: {
    affiliation: {
      id: string;
      regime: string;
      payer: string;
      status: string;
      scoreUsed: string;
      modelVersionUsed: string;
      covered: { idcs: string; role: string; dependantKind: string | null }[];
    };
  };
}

async function family(level: "POOR" | "COMFORTABLE") {
  const head = await registerPerson(system, registrar, { firstName: "Meryem", birthDate: "1980-04-04" });
  const spouse = await registerPerson(system, registrar, { firstName: "Driss", birthDate: "1978-04-04", sex: "MALE" });
  const child = await registerPerson(system, registrar, {
    firstName: "Ilyas",
    birthDate: "2014-04-04",
    representative: head,
  });
  const grandmother = await registerPerson(system, registrar, { firstName: "Zahra", birthDate: "1950-04-04" });
  const household = await registerHousehold(system, registrar, head, [
    { idcs: spouse, relationship: "SPOUSE" },
    { idcs: child, relationship: "CHILD" },
    { idcs: grandmother, relationship: "PARENT" },
  ]);
  const score = await declare(
    system,
    registrar,
    household,
    livingConditions(level, [
      { idcs: head },
      { idcs: spouse, occupation: "HOMEMAKER" },
      { idcs: child },
      { idcs: grandmother, occupation: "OTHER" },
    ]),
  );
  return { head, spouse, child, grandmother, household, score };
}

describe("AMO-Tadamon enrolment", () => {
  it("enrols an eligible household: the head as principal, spouse and child as dependants, paid by the State", async () => {
    const f = await family("POOR");
    expect(Number(f.score)).toBeLessThanOrEqual(9.3264284);
    const { body } = await system.query<Enrolled>(insurer, ENROLL, { id: f.household });
    expect(body.errors).toBeUndefined();
    const affiliation = body.data?.enrollAmoTadamon.affiliation;
    expect(affiliation).toMatchObject({
      regime: "AMO_TADAMON",
      payer: "STATE",
      status: "ACTIVE",
    });
    // The score the decision relied on is kept, but only those granted the social index see it.
    const BASIS = "query($id: ID!) { affiliation(id: $id) { scoreUsed modelVersionUsed } }";
    const caseWorker = await system.token({ sub: "test:cw", agency: "CNSS", role: "CASE_WORKER", region: "07" });
    const basis = await system.query<{ affiliation: Record<string, string> }>(caseWorker, BASIS, {
      id: affiliation?.id,
    });
    expect(basis.body.data?.affiliation).toEqual({ scoreUsed: f.score, modelVersionUsed: "v1" });
    const hidden = await system.query<{ affiliation: Record<string, string | null> }>(insurer, BASIS, {
      id: affiliation?.id,
    });
    expect(hidden.body.data?.affiliation).toEqual({ scoreUsed: null, modelVersionUsed: null });
    expect(hidden.body.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(affiliation?.covered.map((c) => [c.idcs, c.role, c.dependantKind]).sort()).toEqual(
      [
        [f.head, "PRINCIPAL", null],
        [f.spouse, "DEPENDANT", "SPOUSE"],
        [f.child, "DEPENDANT", "CHILD"],
      ].sort(),
    );
    const again = await system.query<Enrolled>(insurer, ENROLL, { id: f.household });
    expect(again.body.data?.enrollAmoTadamon.affiliation.id).toBe(affiliation?.id);
    const coverage = await system.query<{ person: { healthCoverage: Record<string, string> } }>(insurer, COVERAGE, {
      idcs: f.child,
    });
    expect(coverage.body.data?.person.healthCoverage).toEqual({
      regime: "AMO_TADAMON",
      role: "DEPENDANT",
      payer: "STATE",
      status: "ACTIVE",
      principalIdcs: f.head,
    });
    const grandmother = await system.query<{ person: { healthCoverage: null } }>(insurer, COVERAGE, {
      idcs: f.grandmother,
    });
    expect(grandmother.body.data?.person.healthCoverage).toBeNull();
  });

  it("refuses a household above the threshold, an unknown household, and callers other than the insurer", async () => {
    const f = await family("COMFORTABLE");
    const rich = await system.query(insurer, ENROLL, { id: f.household });
    expect(rich.body.errors?.[0]?.extensions?.code).toBe("NOT_ELIGIBLE");
    const unknown = await system.query(insurer, ENROLL, { id: "00000000-0000-4000-8000-999999999999" });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("UNKNOWN_HOUSEHOLD");
    const forbidden = await system.query(registrar, ENROLL, { id: f.household });
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("contributory regimes", () => {
  const REGISTER = /* GraphQL */ `
    mutation($input: RegisterAffiliationInput!) {
      registerAffiliation(input: $input) { affiliation { id regime payer status rightsFrom covered { idcs dependantKind } } }
    }
  `;

  it("applies the dependant rules: 21, 26 in higher education, no limit if disabled", async () => {
    const principal = await registerPerson(system, registrar, {
      firstName: "Hamid",
      birthDate: "1965-01-01",
      sex: "MALE",
    });
    const student = await registerPerson(system, registrar, { firstName: "Sara", birthDate: "2002-06-01" });
    const adultChild = await registerPerson(system, registrar, { firstName: "Nour", birthDate: "2002-07-01" });
    const disabled = await registerPerson(system, registrar, {
      firstName: "Adam",
      birthDate: "1995-01-01",
      sex: "MALE",
    });
    const refused = await system.query(insurer, REGISTER, {
      input: {
        principalIdcs: principal,
        regime: "AMO_SALARIED",
        dependants: [{ idcs: adultChild, relation: "CHILD" }],
      },
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const { body } = await system.query<{
      registerAffiliation: {
        affiliation: { payer: string; status: string; covered: { idcs: string; dependantKind: string | null }[] };
      };
    }>(insurer, REGISTER, {
      input: {
        principalIdcs: principal,
        regime: "AMO_SALARIED",
        dependants: [
          { idcs: student, relation: "CHILD", inHigherEducation: true },
          { idcs: disabled, relation: "CHILD", disabled: true },
        ],
      },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.registerAffiliation.affiliation.payer).toBe("EMPLOYER");
    expect(body.data?.registerAffiliation.affiliation.status).toBe("ACTIVE");
    expect(body.data?.registerAffiliation.affiliation.covered.map((c) => c.dependantKind).sort()).toEqual(
      [null, "DISABLED_CHILD", "STUDENT_CHILD"].sort(),
    );
    const twice = await system.query(insurer, REGISTER, { input: { principalIdcs: student, regime: "AMO_TNS" } });
    expect(twice.body.errors?.[0]?.extensions).toMatchObject({ code: "ALREADY_COVERED", idcs: [student] });
  });

  it("opens AMO Achamil rights three months after the first payment, at once for people from Tadamon", async () => {
    const a = await family("COMFORTABLE");
    const today = new Date().toISOString().slice(0, 10);
    const pending = await system.query<{
      registerAffiliation: { affiliation: { status: string; payer: string; rightsFrom: string } };
    }>(insurer, REGISTER, {
      input: { principalIdcs: a.head, regime: "AMO_ACHAMIL", firstPaymentDate: today },
    });
    expect(pending.body.errors).toBeUndefined();
    expect(pending.body.data?.registerAffiliation.affiliation.status).toBe("PENDING");
    expect(pending.body.data?.registerAffiliation.affiliation.payer).toBe("SELF");
    const opens = new Date(`${pending.body.data?.registerAffiliation.affiliation.rightsFrom}T00:00:00Z`);
    expect(
      Math.round((opens.getTime() - new Date(`${today}T00:00:00Z`).getTime()) / 86_400_000),
    ).toBeGreaterThanOrEqual(89);
    const fromTadamon = await system.query<{ registerAffiliation: { affiliation: { status: string } } }>(
      insurer,
      REGISTER,
      {
        input: { principalIdcs: a.spouse, regime: "AMO_ACHAMIL", firstPaymentDate: today, fromTadamon: true },
      },
    );
    expect(fromTadamon.body.data?.registerAffiliation.affiliation.status).toBe("ACTIVE");
    const poor = await family("POOR");
    const notAchamil = await system.query(insurer, REGISTER, {
      input: { principalIdcs: poor.head, regime: "AMO_ACHAMIL" },
    });
    expect(notAchamil.body.errors?.[0]?.extensions?.code).toBe("NOT_ELIGIBLE");
  });
});

describe("status changes and deaths", () => {
  it("suspends and closes with reasons, refuses a closed affiliation's reopening, and ends a deceased person's coverage", async () => {
    const f = await family("POOR");
    const enrolled = await system.query<Enrolled>(insurer, ENROLL, { id: f.household });
    const id = enrolled.body.data?.enrollAmoTadamon.affiliation.id;
    const change = (verb: string, reason: string) =>
      system.query<Record<string, { affiliation: { status: string } }>>(
        insurer,
        `mutation($id: ID!, $reason: String!) { ${verb}(id: $id, reason: $reason) { affiliation { status statusReason } } }`,
        { id, reason },
      );
    expect(
      (await change("suspendAffiliation", "Documents to renew")).body.data?.suspendAffiliation?.affiliation.status,
    ).toBe("SUSPENDED");
    expect(
      (await change("reinstateAffiliation", "Documents renewed")).body.data?.reinstateAffiliation?.affiliation.status,
    ).toBe("ACTIVE");

    await system.query(
      registrar,
      `mutation($idcs: ID!) { recordDeath(idcs: $idcs, dateOfDeath: "2026-01-02") { person { idcs } } }`,
      { idcs: f.spouse },
    );
    const ended = await system.query<{ closeCoverageOfDeceased: number }>(
      insurer,
      "mutation { closeCoverageOfDeceased }",
    );
    expect(ended.body.data?.closeCoverageOfDeceased).toBeGreaterThanOrEqual(1);
    const spouse = await system.query<{ person: { healthCoverage: null; coverageHistory: { endReason: string }[] } }>(
      insurer,
      COVERAGE,
      { idcs: f.spouse },
    );
    expect(spouse.body.data?.person.healthCoverage).toBeNull();
    expect(spouse.body.data?.person.coverageHistory[0]?.endReason).toBe("DECEASED");

    expect(
      (await change("closeAffiliation", "Household left the country")).body.data?.closeAffiliation?.affiliation.status,
    ).toBe("CLOSED");
    const reopen = await change("reinstateAffiliation", "try again");
    expect(reopen.body.errors?.[0]?.extensions?.code).toBe("BAD_TRANSITION");
    const child = await system.query<{ person: { healthCoverage: null } }>(insurer, COVERAGE, { idcs: f.child });
    expect(child.body.data?.person.healthCoverage).toBeNull();
  });
});

describe("coverage statistics", () => {
  it("counts the people covered by regime and role", async () => {
    const { body } = await system.query<{
      coverageStatistics: { regime: string; role: string; beneficiaries: number }[];
    }>(await system.token(analyst), "{ coverageStatistics(by: [REGIME, ROLE]) { regime role beneficiaries } }");
    const cells = body.data?.coverageStatistics ?? [];
    const [row] = await system.healthInsuranceDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM coverage WHERE until IS NULL",
    );
    expect(cells.reduce((s, c) => s + c.beneficiaries, 0)).toBe(row?.n);
    expect(cells.some((c) => c.regime === "AMO_TADAMON" && c.role === "DEPENDANT")).toBe(true);
  });
});
