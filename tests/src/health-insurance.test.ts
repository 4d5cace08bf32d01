import type { Caller } from "@spx/runtime/access";
import { declare, livingConditions, registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };
const caseWorkerOf = (region: string): Caller => ({
  sub: `test:cw${region}`,
  agency: "CNSS",
  role: "CASE_WORKER",
  region: region as Caller["region"],
});
const citizen = (idcs: string): Caller => ({ sub: `citizen:${idcs}`, role: "CITIZEN", idcs, purpose: "SELF_SERVICE" });
let system: RunningSystem;
let registrar: string;
let insurer: string;

beforeAll(async () => {
  // Events are delivered when a test says so (deliver()), so that every step is observed.
  system = await startSystem({
    label: "amo",
    seedPersons: 600,
    seedHouseholds: true,
    seedProgrammes: true,
    events: { background: false },
  });
  registrar = await system.token(anr);
  insurer = await system.token(cnss);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

/** Every event written so far, relayed by its producer and handled by the health insurer. */
async function deliver(): Promise<void> {
  await system.population.events.drain();
  await system.socialRegistry.events.drain();
  await system.healthInsurance.events.drain();
}

const DAY = 86_400_000;
const iso = (d: Date) => d.toISOString().slice(0, 10);
const today = () => iso(new Date());
const inDays = (n: number) => new Date(Date.parse(`${today()}T00:00:00Z`) + n * DAY);
/** A birth date `years` ago, moved by `days` (+1: the birthday is tomorrow). */
function bornYearsAgo(years: number, days = 0): string {
  const now = new Date();
  return iso(new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() + days)));
}
/** The school year in progress ("2026-2027" from 1 September 2026). */
function schoolYear(): string {
  const now = new Date();
  const start = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return `${start}-${start + 1}`;
}

async function ok<T = Record<string, unknown>>(token: string, document: string, variables?: Record<string, unknown>) {
  const { body } = await system.query<T>(token, document, variables);
  if (body.errors) {
    throw new Error(`${document.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  }
  return body.data as T;
}

async function marry(husbandIdcs: string, wifeIdcs: string, since = "2005-06-01"): Promise<string> {
  const data = await ok<{ recordMarriage: { marriageId: string } }>(
    registrar,
    "mutation($input: RecordMarriageInput!) { recordMarriage(input: $input) { marriageId } }",
    { input: { husbandIdcs, wifeIdcs, since, sourceDocument: "Acte de mariage 12/2005" } },
  );
  return data.recordMarriage.marriageId;
}

async function filiation(childIdcs: string, motherIdcs: string | null, fatherIdcs: string | null) {
  await ok(
    registrar,
    "mutation($input: RecordFiliationInput!) { recordFiliation(input: $input) { person { idcs } } }",
    { input: { childIdcs, motherIdcs, fatherIdcs, sourceDocument: "Acte de naissance 44/2010" } },
  );
}

async function recordDisability(idcs: string) {
  await ok(
    registrar,
    "mutation($input: RecordDisabilityInput!) { recordDisability(input: $input) { person { idcs } } }",
    {
      input: {
        idcs,
        certifyingAuthority: "Ministère de la Solidarité",
        certifiedOn: "2020-01-15",
        permanentIncapacity: true,
        sourceDocument: "Carte de handicap 7781",
      },
    },
  );
}

async function guardianship(kind: "CUSTODY" | "KAFALA", childIdcs: string, guardianIdcs: string) {
  await ok(
    registrar,
    "mutation($input: RecordGuardianshipInput!) { recordGuardianship(input: $input) { guardianship { id } } }",
    { input: { kind, childIdcs, guardianIdcs, since: "2024-03-01", sourceDocument: "Jugement 301/2024" } },
  );
}

async function divorce(marriageId: string, endedOn = "2024-02-01") {
  await ok(
    registrar,
    `mutation($id: ID!, $on: Date!) { recordMarriageEnd(marriageId: $id, endedOn: $on, reason: DIVORCE, sourceDocument: "Jugement de divorce 88/2024") { marriageId } }`,
    { id: marriageId, on: endedOn },
  );
}

type Member = { idcs: string; occupation?: string; attainment?: string; enrolment?: Record<string, string> | null };

/** A declaration of living conditions with each member's occupation, attainment and current enrolment. */
function conditions(level: "POOR" | "COMFORTABLE", members: Member[]) {
  const input = livingConditions(level, members);
  return {
    ...input,
    members: (input.members as { idcs: string; schooling: string; occupation: string }[]).map((m, i) => ({
      idcs: m.idcs,
      occupation: m.occupation,
      attainment: members[i]?.attainment ?? m.schooling,
      enrolment: members[i]?.enrolment ?? null,
    })),
  };
}
const higherEducation = () => ({ level: "HIGHER", institutionType: "PUBLIC", schoolYear: schoolYear() });

const ENROLL = /* GraphQL */ `
  mutation($id: ID!, $key: String) {
    enrollAmoTadamon(householdId: $id, idempotencyKey: $key) {
      affiliation { id regime payer status covered { idcs role dependantKind until endReason } }
    }
  }
`;
const COVERAGE = /* GraphQL */ `
  query($idcs: ID!) { person(idcs: $idcs) { healthCoverage { regime role payer status principalIdcs affiliationId } coverageHistory { regime until endReason } } }
`;
const REGISTER = /* GraphQL */ `
  mutation($input: RegisterAffiliationInput!, $key: String) {
    registerAffiliation(input: $input, idempotencyKey: $key) { affiliation { id regime payer status rightsFrom covered { idcs dependantKind } } }
  }
`;

interface Affiliation {
  id: string;
  regime: string;
  payer: string;
  status: string;
  rightsFrom?: string | null;
  covered: {
    idcs: string;
    role?: string;
    dependantKind: string | null;
    until?: string | null;
    endReason?: string | null;
  }[];
}

/** An affiliation as the insurer reads it, with every coverage (open and ended). */
async function affiliationOf(id: string): Promise<Affiliation> {
  return (
    await ok<{ affiliation: Affiliation }>(
      insurer,
      "query($id: ID!) { affiliation(id: $id) { id regime payer status covered { idcs role dependantKind until endReason } } }",
      { id },
    )
  ).affiliation;
}

async function enrol(householdId: string) {
  return (await ok<{ enrollAmoTadamon: { affiliation: Affiliation } }>(insurer, ENROLL, { id: householdId }))
    .enrollAmoTadamon.affiliation;
}

async function coverageOf(idcs: string) {
  return (
    await ok<{
      person: {
        healthCoverage: {
          regime: string;
          role: string;
          status: string;
          principalIdcs: string;
          affiliationId: string;
        } | null;
        coverageHistory: { regime: string; until: string | null; endReason: string | null }[];
      };
    }>(insurer, COVERAGE, { idcs })
  ).person;
}

/** When the dependants review next examines each of these persons' open coverage (ISO day or null). */
async function reviewDates(idcs: string[]): Promise<Record<string, string | null>> {
  const rows = await system.healthInsurance.prisma.coverage.findMany({
    where: { personIdcs: { in: idcs }, until: null },
    select: { personIdcs: true, reviewOn: true },
  });
  return Object.fromEntries(rows.map((r) => [r.personIdcs, r.reviewOn ? iso(r.reviewOn) : null]));
}

const openDependants = (a: Affiliation) =>
  a.covered
    .filter((c) => c.role === "DEPENDANT" && !c.until)
    .map((c) => [c.idcs, c.dependantKind])
    .sort();

/** A household in Safi: a mother at its head, her husband, their child, and the head's own mother. */
async function family(level: "POOR" | "COMFORTABLE") {
  const head = await registerPerson(system, registrar, { firstName: "Meryem", birthDate: "1980-04-04" });
  const spouse = await registerPerson(system, registrar, { firstName: "Driss", birthDate: "1978-04-04", sex: "MALE" });
  const child = await registerPerson(system, registrar, {
    firstName: "Ilyas",
    birthDate: "2014-04-04",
    representative: head,
  });
  const grandmother = await registerPerson(system, registrar, { firstName: "Zahra", birthDate: "1950-04-04" });
  const marriage = await marry(spouse, head);
  await filiation(child, head, spouse);
  await filiation(head, grandmother, null);
  const household = await registerHousehold(system, registrar, head, [
    { idcs: spouse, relationship: "SPOUSE" },
    { idcs: child, relationship: "CHILD" },
    { idcs: grandmother, relationship: "PARENT" },
  ]);
  const members = [
    { idcs: head },
    { idcs: spouse, occupation: "HOMEMAKER" },
    { idcs: child },
    { idcs: grandmother, occupation: "OTHER" },
  ];
  const score = await declare(system, registrar, household, conditions(level, members));
  return { head, spouse, child, grandmother, household, score, marriage, members };
}

describe("AMO-Tadamon enrolment", () => {
  it("enrols an eligible household: the head as principal, spouse and child as dependants, paid by the State", async () => {
    const f = await family("POOR");
    expect(Number(f.score)).toBeLessThanOrEqual(9.3264284);
    const { body } = await system.query<{ enrollAmoTadamon: { affiliation: Affiliation } }>(insurer, ENROLL, {
      id: f.household,
    });
    expect(body.errors).toBeUndefined();
    const affiliation = body.data?.enrollAmoTadamon.affiliation;
    expect(affiliation).toMatchObject({ regime: "AMO_TADAMON", payer: "STATE", status: "ACTIVE" });
    // The score the decision relied on is kept, but only those granted the social index see it.
    const BASIS = "query($id: ID!) { affiliation(id: $id) { scoreUsed modelVersionUsed } }";
    const caseWorker = await system.token(caseWorkerOf("07"));
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
    const again = await system.query<{ enrollAmoTadamon: { affiliation: Affiliation } }>(insurer, ENROLL, {
      id: f.household,
    });
    expect(again.body.data?.enrollAmoTadamon.affiliation.id).toBe(affiliation?.id);
    expect((await coverageOf(f.child)).healthCoverage).toMatchObject({
      regime: "AMO_TADAMON",
      role: "DEPENDANT",
      status: "ACTIVE",
      principalIdcs: f.head,
    });
    // The head's mother lives in the household but is nobody's dependant under law 65-00.
    expect((await coverageOf(f.grandmother)).healthCoverage).toBeNull();
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

  it("covers a disabled child of 30, a kafala ward, and the children under 21 only, from the civil status", async () => {
    const head = await registerPerson(system, registrar, { firstName: "Fatima", birthDate: "1968-02-02" });
    const disabled = await registerPerson(system, registrar, {
      firstName: "Yassine",
      birthDate: bornYearsAgo(30),
      sex: "MALE",
    });
    const almost21 = await registerPerson(system, registrar, { firstName: "Nada", birthDate: bornYearsAgo(21, 1) });
    const is21 = await registerPerson(system, registrar, { firstName: "Amal", birthDate: bornYearsAgo(21) });
    const ward = await registerPerson(system, registrar, {
      firstName: "Karim",
      birthDate: "2016-05-05",
      sex: "MALE",
      representative: head,
    });
    for (const child of [disabled, almost21, is21]) {
      await filiation(child, head, null);
    }
    await recordDisability(disabled);
    await guardianship("KAFALA", ward, head);
    const household = await registerHousehold(system, registrar, head, [
      { idcs: disabled, relationship: "CHILD" },
      { idcs: almost21, relationship: "CHILD" },
      { idcs: is21, relationship: "CHILD" },
      { idcs: ward, relationship: "OTHER_RELATIVE" },
    ]);
    await declare(
      system,
      registrar,
      household,
      conditions("POOR", [
        { idcs: head },
        { idcs: disabled, occupation: "OTHER" },
        { idcs: almost21, occupation: "UNEMPLOYED" },
        { idcs: is21, occupation: "UNEMPLOYED" },
        { idcs: ward },
      ]),
    );
    const affiliation = await enrol(household);
    expect(openDependants(affiliation)).toEqual(
      [
        [disabled, "DISABLED_CHILD"],
        [almost21, "CHILD"],
        [ward, "KAFALA_CHILD"],
      ].sort(),
    );

    // No event fires on a birthday: the dependants review examines each child on the day its ground
    // can change. Nada turns 21 tomorrow and is not enrolled: covered today, not tomorrow.
    expect(await reviewDates([disabled, almost21, ward])).toEqual({
      [disabled]: null,
      [almost21]: iso(inDays(1)),
      [ward]: "2037-05-05",
    });
    await system.healthInsurance.notices.reviewOnce(new Date());
    expect(openDependants(await affiliationOf(affiliation.id))).toContainEqual([almost21, "CHILD"]);
    await system.healthInsurance.notices.reviewOnce(inDays(1));
    const after = await affiliationOf(affiliation.id);
    expect(openDependants(after)).toEqual(
      [
        [disabled, "DISABLED_CHILD"],
        [ward, "KAFALA_CHILD"],
      ].sort(),
    );
    expect(after.covered.find((c) => c.idcs === almost21)?.endReason).toBe(
      "No longer a dependant: 21 or older and not enrolled in higher education",
    );
  });
});

describe("dependants of a contributory affiliation, from the registers' facts", () => {
  it("covers a student to 26 only while enrolled and unmarried; a working graduate and a married student are refused", async () => {
    const principal = await registerPerson(system, registrar, {
      firstName: "Hamid",
      birthDate: "1965-01-01",
      sex: "MALE",
    });
    const student = await registerPerson(system, registrar, { firstName: "Sara", birthDate: bornYearsAgo(26, 1) });
    const turned26 = await registerPerson(system, registrar, { firstName: "Hiba", birthDate: bornYearsAgo(26) });
    const graduate = await registerPerson(system, registrar, { firstName: "Nour", birthDate: bornYearsAgo(24) });
    const married = await registerPerson(system, registrar, { firstName: "Salma", birthDate: bornYearsAgo(23) });
    const husband = await registerPerson(system, registrar, {
      firstName: "Reda",
      birthDate: "1999-03-03",
      sex: "MALE",
    });
    for (const child of [student, turned26, graduate, married]) {
      await filiation(child, null, principal);
    }
    await marry(husband, married, "2025-07-01");
    const household = await registerHousehold(system, registrar, principal, [
      { idcs: student, relationship: "CHILD" },
      { idcs: turned26, relationship: "CHILD" },
      { idcs: graduate, relationship: "CHILD" },
    ]);
    await declare(
      system,
      registrar,
      household,
      conditions("COMFORTABLE", [
        { idcs: principal },
        { idcs: student, occupation: "STUDENT", enrolment: higherEducation() },
        { idcs: turned26, occupation: "STUDENT", enrolment: higherEducation() },
        // Attainment is higher education, but she works: not a student.
        { idcs: graduate, occupation: "PRIVATE_EMPLOYEE", attainment: "HIGHER" },
      ]),
    );
    const marriedHousehold = await registerHousehold(system, registrar, husband, [
      { idcs: married, relationship: "SPOUSE" },
    ]);
    await declare(
      system,
      registrar,
      marriedHousehold,
      conditions("COMFORTABLE", [
        { idcs: husband },
        { idcs: married, occupation: "STUDENT", enrolment: higherEducation() },
      ]),
    );
    const claim = (idcs: string) => ({
      principalIdcs: principal,
      regime: "AMO_SALARIED",
      dependants: [{ idcs, relation: "CHILD" }],
    });
    for (const refused of [turned26, graduate, married]) {
      const { body } = await system.query(insurer, REGISTER, { input: claim(refused) });
      expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    const marriedRefusal = await system.query(insurer, REGISTER, { input: claim(married) });
    expect(JSON.stringify(marriedRefusal.body.errors)).toContain("married");
    const affiliation = (
      await ok<{ registerAffiliation: { affiliation: Affiliation } }>(insurer, REGISTER, { input: claim(student) })
    ).registerAffiliation.affiliation;
    expect(affiliation).toMatchObject({ payer: "EMPLOYER", status: "ACTIVE" });
    expect(affiliation.covered.map((c) => c.dependantKind).sort()).toEqual([null, "STUDENT_CHILD"].sort());
    const twice = await system.query(insurer, REGISTER, { input: { principalIdcs: student, regime: "AMO_TNS" } });
    expect(twice.body.errors?.[0]?.extensions).toMatchObject({ code: "ALREADY_COVERED", idcs: [student] });
    // Sara turns 26 tomorrow: the review ends her coverage then, whatever the regime.
    expect(await reviewDates([student])).toEqual({ [student]: iso(inDays(1)) });
    await system.healthInsurance.notices.reviewOnce(inDays(1));
    expect(openDependants(await affiliationOf(affiliation.id))).toEqual([]);
  });

  it("covers a child with both parents insured through the father's affiliation; after a divorce, the custodian's", async () => {
    const father = await registerPerson(system, registrar, { firstName: "Omar", birthDate: "1975-05-05", sex: "MALE" });
    const mother = await registerPerson(system, registrar, { firstName: "Latifa", birthDate: "1979-09-09" });
    const child = await registerPerson(system, registrar, {
      firstName: "Adam",
      birthDate: "2015-01-10",
      sex: "MALE",
      representative: mother,
    });
    const marriage = await marry(father, mother, "2010-01-01");
    await filiation(child, mother, father);
    // The father is insured through his work, with no dependant declared.
    const fathers = (
      await ok<{ registerAffiliation: { affiliation: Affiliation } }>(insurer, REGISTER, {
        input: { principalIdcs: father, regime: "AMO_SALARIED" },
      })
    ).registerAffiliation.affiliation;
    // The mother heads a poor household with the child: her AMO-Tadamon affiliation must not take the child.
    const household = await registerHousehold(system, registrar, mother, [{ idcs: child, relationship: "CHILD" }]);
    await declare(system, registrar, household, conditions("POOR", [{ idcs: mother }, { idcs: child }]));
    const mothers = await enrol(household);
    expect(openDependants(mothers)).toEqual([]);
    expect((await coverageOf(child)).healthCoverage).toMatchObject({
      principalIdcs: father,
      affiliationId: fathers.id,
    });
    // The mother claiming the child on a contributory regime would be refused the same way.
    await deliver();
    // Divorced, custody to the mother: the events move the child to her affiliation.
    await divorce(marriage);
    await guardianship("CUSTODY", child, mother);
    await deliver();
    const now = await coverageOf(child);
    expect(now.healthCoverage).toMatchObject({
      principalIdcs: mother,
      affiliationId: mothers.id,
      regime: "AMO_TADAMON",
    });
    expect(now.coverageHistory.find((c) => c.until)?.endReason).toMatch(/parent rule/);
  });
});

describe("family events re-evaluate AMO-Tadamon dependants", () => {
  it("adds a spouse on marriage, a newborn on birth, a disabled adult child on recognition; ends a divorced spouse", async () => {
    const head = await registerPerson(system, registrar, { firstName: "Khalid", birthDate: "1970-07-07", sex: "MALE" });
    const adult = await registerPerson(system, registrar, {
      firstName: "Anas",
      birthDate: bornYearsAgo(28),
      sex: "MALE",
    });
    await filiation(adult, null, head);
    const household = await registerHousehold(system, registrar, head, [{ idcs: adult, relationship: "CHILD" }]);
    await declare(
      system,
      registrar,
      household,
      conditions("POOR", [{ idcs: head }, { idcs: adult, occupation: "UNEMPLOYED" }]),
    );
    const affiliation = await enrol(household);
    expect(openDependants(affiliation)).toEqual([]);
    await deliver();

    const wife = await registerPerson(system, registrar, { firstName: "Imane", birthDate: "1985-08-08" });
    const marriage = await marry(head, wife, "2026-01-15");
    await deliver();
    await recordDisability(adult);
    await deliver();
    const AFFILIATION =
      "query($id: ID!) { affiliation(id: $id) { id regime payer status covered { idcs role dependantKind until endReason } } }";
    const read = async () =>
      (await ok<{ affiliation: Affiliation }>(insurer, AFFILIATION, { id: affiliation.id })).affiliation;
    expect(openDependants(await read())).toEqual(
      [
        [adult, "DISABLED_CHILD"],
        [wife, "SPOUSE"],
      ].sort(),
    );

    const baby = await registerPerson(system, registrar, {
      firstName: "Rayan",
      birthDate: iso(inDays(-3)),
      sex: "MALE",
      representative: wife,
    });
    await filiation(baby, wife, head);
    await deliver();
    expect(openDependants(await read())).toContainEqual([baby, "CHILD"]);

    await divorce(marriage, today());
    await deliver();
    const after = await read();
    expect(openDependants(after).map(([idcs]) => idcs)).not.toContain(wife);
    expect(after.covered.find((c) => c.idcs === wife)?.until).toBeTruthy();
    const reactions = await ok<{ amoEventReactions: { eventType: string; action: string; eventId: string }[] }>(
      insurer,
      "{ amoEventReactions(first: 200) { eventId eventType action } }",
    );
    expect(
      reactions.amoEventReactions.filter((r) => r.action === "DEPENDANTS_REEVALUATED").map((r) => r.eventType),
    ).toEqual(expect.arrayContaining(["marriage.recorded", "disability.recognised", "marriage.ended"]));
  });
});

describe("AMO Achamil", () => {
  const CONTRIBUTE = /* GraphQL */ `
    mutation($id: ID!, $month: String!, $paidOn: Date!, $amount: Int!, $key: String) {
      recordAchamilContribution(affiliationId: $id, month: $month, paidOn: $paidOn, amountCentimes: $amount, idempotencyKey: $key) {
        affiliation { status rightsFrom statusReason }
      }
    }
  `;

  async function achamilPerson(occupation: string) {
    const person = await registerPerson(system, registrar, {
      firstName: "Samir",
      birthDate: "1972-02-02",
      sex: "MALE",
    });
    const household = await registerHousehold(system, registrar, person, []);
    await declare(system, registrar, household, conditions("COMFORTABLE", [{ idcs: person, occupation }]));
    return person;
  }

  it("is refused to a person declared in paid work", async () => {
    const worker = await achamilPerson("PUBLIC_EMPLOYEE");
    const { body } = await system.query(insurer, REGISTER, { input: { principalIdcs: worker, regime: "AMO_ACHAMIL" } });
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_ELIGIBLE");
    expect(body.errors?.[0]?.message).toMatch(/no activity/);
    const poor = await family("POOR");
    const notAchamil = await system.query(insurer, REGISTER, {
      input: { principalIdcs: poor.head, regime: "AMO_ACHAMIL" },
    });
    expect(notAchamil.body.errors?.[0]?.extensions?.code).toBe("NOT_ELIGIBLE");
  });

  it("stays PENDING without rights until the first contribution, then opens them three months later without rollover", async () => {
    const person = await achamilPerson("UNEMPLOYED");
    const registered = (
      await ok<{ registerAffiliation: { affiliation: Affiliation } }>(insurer, REGISTER, {
        input: { principalIdcs: person, regime: "AMO_ACHAMIL" },
      })
    ).registerAffiliation.affiliation;
    expect(registered).toMatchObject({ status: "PENDING", payer: "SELF", rightsFrom: null });
    const before = await system.query(insurer, CONTRIBUTE, {
      id: registered.id,
      month: "2023-12",
      paidOn: "2023-12-14",
      amount: 14_400,
    });
    expect(before.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const first = await ok<{ recordAchamilContribution: { affiliation: { status: string; rightsFrom: string } } }>(
      insurer,
      CONTRIBUTE,
      { id: registered.id, month: "2026-11", paidOn: "2026-11-30", amount: 14_400, key: "achamil-first" },
    );
    expect(first.recordAchamilContribution.affiliation.rightsFrom).toBe("2027-02-28");
    expect(first.recordAchamilContribution.affiliation.status).toBe("PENDING");
    // A retry with the key answers the same; the same month again without it is refused.
    const retry = await ok<{ recordAchamilContribution: { affiliation: { rightsFrom: string } } }>(
      insurer,
      CONTRIBUTE,
      {
        id: registered.id,
        month: "2026-11",
        paidOn: "2026-11-30",
        amount: 14_400,
        key: "achamil-first",
      },
    );
    expect(retry.recordAchamilContribution.affiliation.rightsFrom).toBe("2027-02-28");
    const twice = await system.query(insurer, CONTRIBUTE, {
      id: registered.id,
      month: "2026-11",
      paidOn: "2026-11-30",
      amount: 14_400,
    });
    expect(twice.body.errors?.[0]?.extensions?.code).toBe("CONTRIBUTION_ALREADY_RECORDED");
    // A later contribution does not move the day rights open.
    const second = await ok<{ recordAchamilContribution: { affiliation: { rightsFrom: string } } }>(
      insurer,
      CONTRIBUTE,
      {
        id: registered.id,
        month: "2026-12",
        paidOn: today(),
        amount: 14_400,
      },
    );
    expect(second.recordAchamilContribution.affiliation.rightsFrom).toBe("2027-02-28");
  });

  it("opens at once for a former AMO-Tadamon member (law 21.24)", async () => {
    const f = await family("POOR");
    const tadamon = await enrol(f.household);
    await ok(
      insurer,
      `mutation($id: ID!) { closeAffiliation(id: $id, reason: "Index above the threshold") { affiliation { id } } }`,
      { id: tadamon.id },
    );
    await declare(
      system,
      registrar,
      f.household,
      conditions(
        "COMFORTABLE",
        f.members.map((m, i) => (i === 0 ? { ...m, occupation: "UNEMPLOYED" } : m)),
      ),
    );
    const achamil = (
      await ok<{ registerAffiliation: { affiliation: Affiliation } }>(insurer, REGISTER, {
        input: { principalIdcs: f.head, regime: "AMO_ACHAMIL" },
      })
    ).registerAffiliation.affiliation;
    const paid = await ok<{ recordAchamilContribution: { affiliation: { status: string; rightsFrom: string } } }>(
      insurer,
      CONTRIBUTE,
      {
        id: achamil.id,
        month: today().slice(0, 7),
        paidOn: today(),
        amount: 17_600,
      },
    );
    expect(paid.recordAchamilContribution.affiliation).toMatchObject({ status: "ACTIVE", rightsFrom: today() });
  });
});

describe("a death recorded in the population register", () => {
  it("ends the principal's coverage exactly once, the household's AMO-Tadamon going on under the surviving spouse, without any other call", async () => {
    const f = await family("POOR");
    const affiliation = await enrol(f.household);
    await deliver();
    await ok(
      registrar,
      `mutation($idcs: ID!) { recordDeath(idcs: $idcs, dateOfDeath: "${iso(inDays(-1))}") { person { idcs } } }`,
      { idcs: f.head },
    );
    await deliver();
    expect((await coverageOf(f.head)).healthCoverage).toBeNull();
    const status = await ok<{ affiliation: { status: string; statusReason: string } }>(
      insurer,
      "query($id: ID!) { affiliation(id: $id) { status statusReason } }",
      { id: affiliation.id },
    );
    expect(status.affiliation).toEqual({ status: "CLOSED", statusReason: "Principal deceased" });
    // The widower and the child stay covered: the household's affiliation goes on under him.
    const widower = (await coverageOf(f.spouse)).healthCoverage;
    expect(widower).toMatchObject({ regime: "AMO_TADAMON", role: "PRINCIPAL", payer: "STATE", status: "ACTIVE" });
    expect(widower?.affiliationId).not.toBe(affiliation.id);
    const continued = await affiliationOf(widower?.affiliationId ?? "");
    expect(openDependants(continued)).toEqual([[f.child, "CHILD"]]);
    expect((await coverageOf(f.child)).healthCoverage).toMatchObject({ role: "DEPENDANT", principalIdcs: f.spouse });
    // Delivered twice more from the start of the feed: recognised by its id, nothing changes.
    for (let i = 0; i < 2; i++) {
      await system.healthInsuranceDb.database.sql.query("UPDATE event_cursor SET position = 0");
      await system.healthInsurance.events.drain();
    }
    const rows = await system.healthInsuranceDb.database.sql.query<{ n: number; action: string }>(
      "SELECT count(*)::int AS n, min(action) AS action FROM event_reaction WHERE event_type = 'person.died' AND subject = $1",
      [f.head],
    );
    expect(rows[0]).toEqual({ n: 1, action: "AFFILIATION_CONTINUED" });
    const ended = await system.healthInsuranceDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM coverage WHERE affiliation_id = $1 AND until IS NOT NULL",
      [affiliation.id],
    );
    expect(ended[0]?.n).toBe(3);
    const open = await system.healthInsuranceDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM coverage WHERE affiliation_id = $1 AND until IS NULL",
      [continued.id],
    );
    expect(open[0]?.n).toBe(2);

    // The widower dies in turn: nobody left to go on, every coverage of the household ends.
    await ok(
      registrar,
      `mutation($idcs: ID!) { recordDeath(idcs: $idcs, dateOfDeath: "${today()}") { person { idcs } } }`,
      { idcs: f.spouse },
    );
    await deliver();
    expect((await coverageOf(f.child)).healthCoverage).toBeNull();
    expect((await affiliationOf(continued.id)).status).toBe("CLOSED");
  });
});

describe("an index crossing the AMO-Tadamon threshold", () => {
  const NOTICES =
    "query($idcs: ID!) { person(idcs: $idcs) { amoNotices { id kind status effectiveOn reason contest causeEventId cause } } }";
  type Notice = {
    id: string;
    kind: string;
    status: string;
    effectiveOn: string;
    reason: string;
    contest: string;
    causeEventId: string;
  };
  const noticesOf = async (token: string, idcs: string) =>
    (await ok<{ person: { amoNotices: Notice[] } }>(token, NOTICES, { idcs })).person.amoNotices;
  const statusOf = async (id: string) =>
    (
      await ok<{ affiliation: { status: string } }>(insurer, "query($id: ID!) { affiliation(id: $id) { status } }", {
        id,
      })
    ).affiliation.status;

  it("gives notice, suspends after the notice period, and reinstates only when enrolment is asked again", async () => {
    const f = await family("POOR");
    const affiliation = await enrol(f.household);
    await deliver();
    await declare(system, registrar, f.household, conditions("COMFORTABLE", f.members));
    await deliver();
    const [notice] = await noticesOf(insurer, f.head);
    expect(notice).toMatchObject({ kind: "SUSPENSION", status: "PENDING", effectiveOn: iso(inDays(30)) });
    expect(notice?.reason).not.toContain(f.score);
    expect(notice?.contest).toContain(iso(inDays(29)));
    expect(notice?.causeEventId).toBeTruthy();
    // The household sees it, and so do the case workers of its region; not those of another region.
    expect(await noticesOf(await system.token(citizen(f.spouse)), f.spouse)).toHaveLength(1);
    const LIST = "{ amoNotices(first: 500) { id } }";
    const region = await ok<{ amoNotices: { id: string }[] }>(await system.token(caseWorkerOf("07")), LIST);
    expect(region.amoNotices.map((n) => n.id)).toContain(notice?.id);
    const elsewhere = await ok<{ amoNotices: { id: string }[] }>(await system.token(caseWorkerOf("01")), LIST);
    expect(elsewhere.amoNotices.map((n) => n.id)).not.toContain(notice?.id);

    // Delivered again, the crossing adds no second notice.
    await system.healthInsuranceDb.database.sql.query("UPDATE event_cursor SET position = 0");
    await system.healthInsurance.events.drain();
    expect(await noticesOf(insurer, f.head)).toHaveLength(1);

    await system.healthInsurance.notices.runOnce(inDays(29));
    expect(await statusOf(affiliation.id)).toBe("ACTIVE");
    await system.healthInsurance.notices.runOnce(inDays(30));
    expect(await statusOf(affiliation.id)).toBe("SUSPENDED");
    expect((await noticesOf(insurer, f.head))[0]?.status).toBe("APPLIED");

    // Eligible again: no silent reinstatement; asking for enrolment again reinstates on the new decision.
    await declare(system, registrar, f.household, conditions("POOR", f.members));
    await deliver();
    expect(await statusOf(affiliation.id)).toBe("SUSPENDED");
    expect((await enrol(f.household)).id).toBe(affiliation.id);
    expect(await statusOf(affiliation.id)).toBe("ACTIVE");
  });

  it("holds the suspension while a revision is pending, and cancels the notice when the revision lowers the index", async () => {
    const f = await family("POOR");
    const affiliation = await enrol(f.household);
    await deliver();
    await declare(system, registrar, f.household, conditions("COMFORTABLE", f.members));
    await deliver();
    expect((await noticesOf(insurer, f.head))[0]?.status).toBe("PENDING");
    const revision = await ok<{ requestIndexRevision: { id: string } }>(
      registrar,
      `mutation($id: ID!) { requestIndexRevision(householdId: $id, reason: "Our car was sold last year, the declaration is wrong") { id } }`,
      { id: f.household },
    );
    await deliver();
    await system.healthInsurance.notices.runOnce(inDays(31));
    expect(await statusOf(affiliation.id)).toBe("ACTIVE");
    expect((await noticesOf(insurer, f.head))[0]?.status).toBe("PENDING");
    await ok(
      registrar,
      `mutation($id: ID!, $declaration: LivingConditionsInput!) { resolveIndexRevision(id: $id, outcome: ACCEPTED, note: "Declaration corrected", declaration: $declaration) { id } }`,
      { id: revision.requestIndexRevision.id, declaration: conditions("POOR", f.members) },
    );
    await deliver();
    expect((await noticesOf(insurer, f.head))[0]?.status).toBe("CANCELLED");
    await system.healthInsurance.notices.runOnce(inDays(31));
    expect(await statusOf(affiliation.id)).toBe("ACTIVE");
  });
});

describe("status changes", () => {
  it("suspends and closes with reasons, refuses a closed affiliation's reopening, and the reconciliation job ends a deceased person's coverage", async () => {
    const f = await family("POOR");
    const id = (await enrol(f.household)).id;
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
    await ok(
      registrar,
      `mutation($idcs: ID!) { recordDeath(idcs: $idcs, dateOfDeath: "2026-01-02") { person { idcs } } }`,
      {
        idcs: f.spouse,
      },
    );
    // Not delivered: the nationwide job finds the death through the graph.
    const ended = await ok<{ closeCoverageOfDeceased: number }>(insurer, "mutation { closeCoverageOfDeceased }");
    expect(ended.closeCoverageOfDeceased).toBeGreaterThanOrEqual(1);
    const spouse = await coverageOf(f.spouse);
    expect(spouse.healthCoverage).toBeNull();
    expect(spouse.coverageHistory[0]?.endReason).toBe("DECEASED");
    // Delivered afterwards, the event finds nothing left to end.
    await deliver();
    expect(
      (await change("closeAffiliation", "Household left the country")).body.data?.closeAffiliation?.affiliation.status,
    ).toBe("CLOSED");
    const reopen = await change("reinstateAffiliation", "try again");
    expect(reopen.body.errors?.[0]?.extensions?.code).toBe("BAD_TRANSITION");
    expect((await coverageOf(f.child)).healthCoverage).toBeNull();
  });
});

describe("coverage statistics", () => {
  it("counts the people covered by regime and role", async () => {
    // The snapshot as of now, not as of the last scheduled refresh (the tests above changed coverages).
    await system.healthInsurance.statistics.refresh("coverageStatistics", { force: true });
    const { body } = await system.query<{
      coverageStatistics: { regime: string | null; role: string | null; beneficiaries: number | null }[];
    }>(
      await system.token(analyst),
      "{ coverageStatistics(by: [REGIME, ROLE], totals: true) { regime role beneficiaries } }",
    );
    const cells = body.data?.coverageStatistics ?? [];
    const [row] = await system.healthInsuranceDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM coverage WHERE until IS NULL",
    );
    expect(cells.find((c) => c.regime === null && c.role === null)?.beneficiaries).toBe(row?.n);
    expect(cells.some((c) => c.regime === "AMO_TADAMON" && c.role === "DEPENDANT")).toBe(true);
  });
});
