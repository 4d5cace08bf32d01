import { randomUUID } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * Issue 19, social register: attainment apart from current enrolment, the events other registers
 * react to (each written in the transaction of its change, exactly once), and pendingRevision.
 */

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SERVICE" };
let system: RunningSystem;
let token: string;
let cin = 910_000;

beforeAll(async () => {
  system = await startSystem({ label: "rsu_life" });
  token = await system.token(anr);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const q = <Data = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, bearer = token) =>
  system.query<Data>(bearer, query, variables);

async function registerPerson(firstName: string, birthDate: string): Promise<string> {
  const adult = Number(birthDate.slice(0, 4)) < 2007;
  const { body } = await q<{ registerPerson: { person: { idcs: string } } }>(
    `mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { person { idcs } } }`,
    {
      input: {
        cin: adult ? `ZL${cin++}` : null,
        firstName,
        lastName: "Berrada",
        firstNameAr: "سعاد",
        lastNameAr: "برادة",
        sex: "FEMALE",
        birthDate,
        birthPlace: "Fes",
        nationality: "MAR",
        residencyStatus: "CITIZEN",
        address: { regionCode: "03", province: "Fès", commune: "Fès", milieu: "URBAN" },
        registrationCentre: "CSC Fès",
        legalRepresentativeIdcs: adult ? null : await registerPerson(`${firstName}Parent`, "1975-01-01"),
      },
    },
  );
  const idcs = body.data?.registerPerson.person.idcs;
  if (!idcs) {
    throw new Error(JSON.stringify(body.errors));
  }
  return idcs;
}

const address = { regionCode: "03", province: "Fès", commune: "Fès", milieu: "URBAN" };

async function registerHousehold(head: string, members: { idcs: string; relationship: string }[]): Promise<string> {
  const { body } = await q<{ registerHousehold: { household: { id: string } } }>(
    `mutation($input: RegisterHouseholdInput!) { registerHousehold(input: $input) { household { id } } }`,
    { input: { headIdcs: head, members, address } },
  );
  const id = body.data?.registerHousehold.household.id;
  if (!id) {
    throw new Error(JSON.stringify(body.errors));
  }
  return id;
}

type Line = Record<string, unknown>;
/** Living conditions well under both thresholds (POOR) or above both (COMFORTABLE). */
function conditions(level: "POOR" | "COMFORTABLE", members: Line[]): Record<string, unknown> {
  const poor = level === "POOR";
  return {
    housingType: poor ? "SHANTY" : "MODERN_APARTMENT",
    rooms: poor ? 1 : 6,
    occupancy: poor ? "TENANT" : "OWNER",
    waterConnected: true,
    electricityConnected: true,
    electricitySpending: poor ? "40.00" : "900.00",
    waterSpending: poor ? "20.00" : "300.00",
    telephoneSpending: poor ? "20.00" : "600.00",
    gasSpending: poor ? "40.00" : "100.00",
    durableGoods: poor ? ["TELEVISION"] : ["CAR", "COMPUTER", "AIR_CONDITIONING", "REFRIGERATOR", "WASHING_MACHINE"],
    members,
  };
}

const DECLARE = /* GraphQL */ `
  mutation($id: ID!, $input: LivingConditionsInput!, $key: String) {
    declareLivingConditions(householdId: $id, input: $input, idempotencyKey: $key) {
      household { socioEconomicIndex { score } }
    }
  }
`;

interface Event {
  type: string;
  subject: string;
  data: Record<string, unknown>;
}
const PROGRAM_ORDER = ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"];
/** The household's events so far, in commit order (programmes in a fixed order within one change). */
async function eventsOf(householdId: string): Promise<Event[]> {
  const rows = await system.socialRegistryDb.database.sql.query<Event & { occurred_at: Date }>(
    "SELECT type, subject, data, occurred_at FROM outbox_event WHERE subject = $1",
    [householdId],
  );
  return rows
    .sort(
      (a, b) =>
        new Date(a.occurred_at).getTime() - new Date(b.occurred_at).getTime() ||
        PROGRAM_ORDER.indexOf(String(a.data.program)) - PROGRAM_ORDER.indexOf(String(b.data.program)),
    )
    .map(({ type, subject, data }) => ({ type, subject, data }));
}
const flips = (events: Event[]) =>
  events
    .filter((e) => e.type === "eligibility.changed")
    .map((e) => [e.data.program, e.data.eligible, e.data.previouslyEligible, e.data.cause]);

let head: string;
let pupil: string;
let graduate: string;
let householdId: string;
let seen = 0;
/** The events written since the last call. */
async function newEvents(): Promise<Event[]> {
  const all = await eventsOf(householdId);
  const fresh = all.slice(seen);
  seen = all.length;
  return fresh;
}

describe("attainment and current enrolment in declarations", () => {
  beforeAll(async () => {
    head = await registerPerson("Nadia", "1980-04-04");
    pupil = await registerPerson("Yasmine", "2018-03-03");
    graduate = await registerPerson("Imane", "2002-06-06");
    householdId = await registerHousehold(head, [
      { idcs: pupil, relationship: "CHILD" },
      { idcs: graduate, relationship: "CHILD" },
    ]);
  });

  const schoolYear = (() => {
    const now = new Date();
    const start = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
    return `${start}-${start + 1}`;
  })();
  const poorLines = (): Line[] => [
    { idcs: head, attainment: "PRIMARY", occupation: "UNEMPLOYED" },
    {
      idcs: pupil,
      attainment: "PRESCHOOL",
      occupation: "CHILD",
      enrolment: { level: "PRIMARY", institutionType: "PUBLIC", schoolYear },
    },
    // A working graduate of 24: higher education completed, enrolled nowhere.
    { idcs: graduate, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE", enrolment: null },
  ];

  it("keeps both, reads them back, and reports the household's first index for every programme", async () => {
    const { body } = await q<{ declareLivingConditions: { household: { socioEconomicIndex: { score: string } } } }>(
      DECLARE,
      { id: householdId, input: conditions("POOR", poorLines()) },
    );
    expect(body.errors).toBeUndefined();
    const read = await q<{
      household: { declaration: { members: Record<string, unknown>[] } };
    }>(
      `query($id: ID!) { household(id: $id) { declaration { members {
         idcs attainment schooling occupation enrolment { level institutionType schoolYear } } } } }`,
      { id: householdId },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data?.household.declaration.members).toEqual([
      { idcs: head, attainment: "PRIMARY", schooling: "PRIMARY", occupation: "UNEMPLOYED", enrolment: null },
      {
        idcs: pupil,
        attainment: "PRESCHOOL",
        schooling: "PRESCHOOL",
        occupation: "CHILD",
        enrolment: { level: "PRIMARY", institutionType: "PUBLIC", schoolYear },
      },
      { idcs: graduate, attainment: "HIGHER", schooling: "HIGHER", occupation: "PRIVATE_EMPLOYEE", enrolment: null },
    ]);
    expect(flips(await newEvents())).toEqual([
      ["AMO_TADAMON", true, null, "DECLARATION"],
      ["DIRECT_AID", true, null, "DECLARATION"],
      ["AMO_ACHAMIL", false, null, "DECLARATION"],
    ]);
  });

  it("accepts the deprecated schooling from existing clients; enrolment never moves the index, so nothing flips", async () => {
    const first = await q<{ household: { socioEconomicIndex: { score: string } } }>(
      `query($id: ID!) { household(id: $id) { socioEconomicIndex { score } } }`,
      { id: householdId },
    );
    const oldClient = poorLines().map(({ attainment, enrolment: _enrolment, ...line }) => ({
      ...line,
      schooling: attainment,
    }));
    const { body } = await q<{ declareLivingConditions: { household: { socioEconomicIndex: { score: string } } } }>(
      DECLARE,
      { id: householdId, input: conditions("POOR", oldClient) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.declareLivingConditions.household.socioEconomicIndex.score).toBe(
      first.body.data?.household.socioEconomicIndex.score,
    );
    expect(await newEvents()).toEqual([]);
  });

  it("refuses a malformed school year or disagreeing names with BAD_USER_INPUT, writing nothing", async () => {
    const lines = poorLines();
    const badYear = lines.map((l) =>
      l.idcs === pupil ? { ...l, enrolment: { level: "PRIMARY", institutionType: "PUBLIC", schoolYear: "2026" } } : l,
    );
    const disagreeing = lines.map((l) => (l.idcs === head ? { ...l, schooling: "HIGHER" } : l));
    for (const members of [badYear, disagreeing]) {
      const { body } = await q(DECLARE, { id: householdId, input: conditions("COMFORTABLE", members) });
      expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    const history = await q<{ household: { declarationHistory: { version: number }[] } }>(
      `query($id: ID!) { household(id: $id) { declarationHistory { version } } }`,
      { id: householdId },
    );
    expect(history.body.data?.household.declarationHistory.map((d) => d.version)).toEqual([2, 1]);
    expect(await newEvents()).toEqual([]);
  });
});

describe("eligibility.changed and revisions", () => {
  it("reports exactly the programmes a declaration flips, once, even when the declaration is retried", async () => {
    const key = randomUUID();
    const input = conditions("COMFORTABLE", [
      { idcs: head, attainment: "HIGHER", occupation: "PUBLIC_EMPLOYEE" },
      { idcs: pupil, attainment: "PRESCHOOL", occupation: "CHILD" },
      { idcs: graduate, attainment: "HIGHER", occupation: "PRIVATE_EMPLOYEE" },
    ]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { body } = await q(DECLARE, { id: householdId, input, key });
      expect(body.errors).toBeUndefined();
    }
    const events = await newEvents();
    expect(flips(events)).toEqual([
      ["AMO_TADAMON", false, true, "DECLARATION"],
      ["DIRECT_AID", false, true, "DECLARATION"],
      ["AMO_ACHAMIL", true, false, "DECLARATION"],
    ]);
    expect(events[0]?.data).toMatchObject({ householdId, threshold: "9.3264284", modelVersion: "v1" });
  });

  it("shows a pending revision to the AMO register, and an accepted one that corrects the declaration flips eligibility back", async () => {
    const cnssToken = await system.token(cnss);
    const pending = async () =>
      (
        await q<{ household: { pendingRevision: boolean } }>(
          `query($id: ID!) { household(id: $id) { pendingRevision } }`,
          { id: householdId },
          cnssToken,
        )
      ).body.data?.household.pendingRevision;
    expect(await pending()).toBe(false);
    const requested = await q<{ requestIndexRevision: { id: string; status: string } }>(
      `mutation($id: ID!) { requestIndexRevision(householdId: $id, reason: "The head lost the public-sector job last month") { id status } }`,
      { id: householdId },
    );
    expect(requested.body.errors).toBeUndefined();
    const revisionId = requested.body.data?.requestIndexRevision.id;
    expect(await newEvents()).toEqual([
      { type: "revision.requested", subject: householdId, data: { householdId, revisionId, status: "OPEN" } },
    ]);
    expect(await pending()).toBe(true);

    const corrected = conditions("POOR", [
      { idcs: head, attainment: "HIGHER", occupation: "UNEMPLOYED" },
      { idcs: pupil, attainment: "PRESCHOOL", occupation: "CHILD" },
      { idcs: graduate, attainment: "HIGHER", occupation: "UNEMPLOYED" },
    ]);
    const RESOLVE = `mutation($id: ID!, $outcome: RevisionOutcome!, $declaration: LivingConditionsInput) {
      resolveIndexRevision(id: $id, outcome: $outcome, note: "Job loss confirmed by the CNSS", declaration: $declaration) { status } }`;
    const refused = await q(RESOLVE, { id: revisionId, outcome: "REJECTED", declaration: corrected });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await newEvents()).toEqual([]);
    expect(await pending()).toBe(true);

    const accepted = await q<{ resolveIndexRevision: { status: string } }>(RESOLVE, {
      id: revisionId,
      outcome: "ACCEPTED",
      declaration: corrected,
    });
    expect(accepted.body.errors).toBeUndefined();
    const events = await newEvents();
    expect(flips(events)).toEqual([
      ["AMO_TADAMON", true, false, "REVISION"],
      ["DIRECT_AID", true, false, "REVISION"],
      ["AMO_ACHAMIL", false, true, "REVISION"],
    ]);
    expect(events.filter((e) => e.type === "revision.decided")).toEqual([
      {
        type: "revision.decided",
        subject: householdId,
        data: { householdId, revisionId, status: "ACCEPTED" },
      },
    ]);
    expect(await pending()).toBe(false);
    const again = await q(RESOLVE, { id: revisionId, outcome: "REJECTED" });
    expect(again.body.errors?.[0]?.extensions?.code).toBe("ALREADY_RESOLVED");
    expect(await newEvents()).toEqual([]);
  });
});

describe("household.members-changed", () => {
  it("is written when a member joins or leaves (a grandchild in the grandmother's care), not when the change is refused", async () => {
    const grandchild = await registerPerson("Salma", "2014-09-09");
    const MEMBER = `mutation($id: ID!, $idcs: ID!) { addHouseholdMember(householdId: $id, member: { idcs: $idcs, relationship: GRANDCHILD }) { household { members { relationship } } } }`;
    const added = await q<{ addHouseholdMember: { household: { members: { relationship: string }[] } } }>(MEMBER, {
      id: householdId,
      idcs: grandchild,
    });
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data?.addHouseholdMember.household.members.map((m) => m.relationship)).toContain("GRANDCHILD");
    expect(await newEvents()).toEqual([
      { type: "household.members-changed", subject: householdId, data: { householdId } },
    ]);
    const twice = await q(MEMBER, { id: householdId, idcs: grandchild });
    expect(twice.body.errors?.[0]?.extensions?.code).toBe("ALREADY_IN_HOUSEHOLD");
    expect(await newEvents()).toEqual([]);
    const removed = await q(
      `mutation($id: ID!, $idcs: ID!) { removeHouseholdMember(householdId: $id, idcs: $idcs) { household { size } } }`,
      { id: householdId, idcs: grandchild },
    );
    expect(removed.body.errors).toBeUndefined();
    expect(await newEvents()).toEqual([
      { type: "household.members-changed", subject: householdId, data: { householdId } },
    ]);
  });
});
