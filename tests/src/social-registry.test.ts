import type { Caller } from "@spx/runtime/access";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
let system: RunningSystem;
let token: string;
let cin = 700_000;

beforeAll(async () => {
  system = await startSystem({ label: "rsu", seedPersons: 1100, seedHouseholds: true });
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
        cin: adult ? `ZT${cin++}` : null,
        firstName,
        lastName: "Tahiri",
        firstNameAr: "سعاد",
        lastNameAr: "الطاهري",
        sex: "FEMALE",
        birthDate,
        birthPlace: "Safi",
        nationality: "MAR",
        residencyStatus: "CITIZEN",
        address: { regionCode: "07", province: "Safi", commune: "Safi", milieu: "URBAN" },
        registrationCentre: "CSC Safi",
        legalRepresentativeIdcs: adult ? null : await registerPerson(`${firstName}Parent`, "1980-01-01"),
      },
    },
  );
  const idcs = body.data?.registerPerson.person.idcs;
  if (!idcs) {
    throw new Error(JSON.stringify(body.errors));
  }
  return idcs;
}

const address = { regionCode: "07", province: "Safi", commune: "Safi", milieu: "URBAN" };
const REGISTER_HOUSEHOLD = /* GraphQL */ `
  mutation($input: RegisterHouseholdInput!, $key: String) {
    registerHousehold(input: $input, idempotencyKey: $key) { household { id size members { relationship person { idcs } } } }
  }
`;
const DECLARE = /* GraphQL */ `
  mutation($id: ID!, $input: LivingConditionsInput!) {
    declareLivingConditions(householdId: $id, input: $input) {
      household {
        declaration { version verification { item status } }
        socioEconomicIndex { score modelVersion declarationVersion }
        eligibility { program eligible threshold scoreUsed }
        eligibilityExplanation(program: AMO_TADAMON) { eligible distance summary factors { label direction } }
      }
    }
  }
`;

function conditions(members: string[], overrides: Record<string, unknown> = {}) {
  return {
    housingType: "TRADITIONAL_HOUSE",
    rooms: 2,
    occupancy: "TENANT",
    waterConnected: true,
    electricityConnected: true,
    electricitySpending: "85.00",
    waterSpending: "40.00",
    telephoneSpending: "50.00",
    gasSpending: "60.00",
    durableGoods: ["TELEVISION", "REFRIGERATOR"],
    members: members.map((idcs, i) => ({
      idcs,
      schooling: i === 0 ? "PRIMARY" : "PRIMARY",
      occupation: i === 0 ? "SELF_EMPLOYED" : "CHILD",
    })),
    ...overrides,
  };
}

describe("a demo person's household, index and eligibility in one query", () => {
  it("answers the issue's query for a demo head of household", async () => {
    const [head] = await system.socialRegistryDb.database.sql.query<{ person_idcs: string }>(
      "SELECT person_idcs FROM membership WHERE relationship = 'HEAD' AND until IS NULL ORDER BY person_idcs LIMIT 1",
    );
    const { body } = await q<{
      person: {
        firstName: string;
        household: {
          members: { relationship: string; person: { firstName: string } }[];
          socioEconomicIndex: { score: string; modelVersion: string };
          eligibility: { program: string; eligible: boolean; threshold: string }[];
        };
      };
    }>(
      `query($idcs: ID!) { person(idcs: $idcs) { firstName household {
         members { relationship person { firstName } }
         socioEconomicIndex { score modelVersion }
         eligibility { program eligible threshold } } } }`,
      { idcs: head?.person_idcs },
    );
    expect(body.errors).toBeUndefined();
    const household = body.data?.person.household;
    expect(household?.members[0]?.relationship).toBe("HEAD");
    expect(household?.members[0]?.person.firstName).toBe(body.data?.person.firstName);
    expect(household?.socioEconomicIndex.score).toMatch(/^\d+\.\d{7}$/);
    expect(household?.socioEconomicIndex.modelVersion).toBe("v1");
    expect(household?.eligibility.map((e) => [e.program, e.threshold])).toEqual([
      ["AMO_TADAMON", "9.3264284"],
      ["DIRECT_AID", "9.7430010"],
      ["AMO_ACHAMIL", "9.3264284"],
    ]);
    const score = Number(household?.socioEconomicIndex.score);
    expect(household?.eligibility[0]?.eligible).toBe(score <= 9.3264284);
    expect(household?.eligibility[2]?.eligible).toBe(score > 9.3264284);
  });

  it("seeds households on both sides of both thresholds in every region", async () => {
    const rows = await system.socialRegistryDb.database.sql.query<{ region_code: string; band: number; n: number }>(
      `SELECT h.region_code, CASE WHEN c.score <= 9.3264284 THEN 0 WHEN c.score <= 9.743001 THEN 1 ELSE 2 END AS band,
              count(*)::int AS n
       FROM household h JOIN index_computation c ON c.household_id = h.id AND c.current GROUP BY 1, 2`,
    );
    for (const region of ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]) {
      expect(
        rows
          .filter((r) => r.region_code === region)
          .map((r) => r.band)
          .sort(),
      ).toEqual([0, 1, 2]);
    }
  });
});

describe("registering a household through the graph", () => {
  it("registers people of the population register, scores their declaration and explains the result", async () => {
    const head = await registerPerson("Souad", "1984-02-02");
    const child = await registerPerson("Rim", "2016-05-05");
    const registered = await q<{ registerHousehold: { household: { id: string; size: number } } }>(REGISTER_HOUSEHOLD, {
      input: { headIdcs: head, members: [{ idcs: child, relationship: "CHILD" }], address },
    });
    expect(registered.body.errors).toBeUndefined();
    const id = registered.body.data?.registerHousehold.household.id;
    expect(registered.body.data?.registerHousehold.household.size).toBe(2);

    const declared = await q<{
      declareLivingConditions: {
        household: {
          declaration: { version: number; verification: { item: string; status: string }[] };
          socioEconomicIndex: { score: string; declarationVersion: number };
          eligibility: { program: string; eligible: boolean; scoreUsed: string }[];
          eligibilityExplanation: { eligible: boolean; distance: string; summary: string; factors: unknown[] };
        };
      };
    }>(DECLARE, { id, input: conditions([head, child]) });
    expect(declared.body.errors).toBeUndefined();
    const household = declared.body.data?.declareLivingConditions.household;
    expect(household?.declaration.version).toBe(1);
    expect(household?.declaration.verification.every((v) => v.status === "UNVERIFIED")).toBe(true);
    expect(household?.socioEconomicIndex.declarationVersion).toBe(1);
    expect(household?.eligibility.every((e) => e.scoreUsed === household.socioEconomicIndex.score)).toBe(true);
    expect(household?.eligibilityExplanation.summary).toContain(household?.socioEconomicIndex.score);
    expect(household?.eligibilityExplanation.summary).toMatch(/AMO-Tadamon threshold 9\.3264284/);
    expect(household?.eligibilityExplanation.factors.length).toBeGreaterThan(0);

    const again = await q<{ declareLivingConditions: { household: { declaration: { version: number } } } }>(DECLARE, {
      id,
      input: conditions([head, child], {
        rooms: 4,
        durableGoods: ["TELEVISION", "REFRIGERATOR", "COMPUTER", "WASHING_MACHINE"],
      }),
    });
    expect(again.body.data?.declareLivingConditions.household.declaration.version).toBe(2);
    const history = await q<{
      household: {
        declarationHistory: { version: number }[];
        indexHistory: { current: boolean; declarationVersion: number }[];
      };
    }>(
      `query($id: ID!) { household(id: $id) { declarationHistory { version } indexHistory { current declarationVersion } } }`,
      { id },
    );
    expect(history.body.data?.household.declarationHistory.map((d) => d.version)).toEqual([2, 1]);
    expect(history.body.data?.household.indexHistory).toEqual([
      { current: true, declarationVersion: 2 },
      { current: false, declarationVersion: 1 },
    ]);
  });

  it("refuses a household with a deceased member and writes nothing", async () => {
    const head = await registerPerson("Laila", "1979-03-03");
    const late = await registerPerson("Ghizlane", "1950-03-03");
    await q(`mutation($idcs: ID!) { recordDeath(idcs: $idcs, dateOfDeath: "2025-01-01") { person { idcs } } }`, {
      idcs: late,
    });
    const before = await system.socialRegistryDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM household",
    );
    const { body } = await q(REGISTER_HOUSEHOLD, {
      input: { headIdcs: head, members: [{ idcs: late, relationship: "PARENT" }], address },
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "PERSON_DECEASED", idcs: [late] });
    const after = await system.socialRegistryDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM household",
    );
    expect(after).toEqual(before);
  });

  it("refuses unknown members, a minor head, a person already in a household, and bad addresses", async () => {
    const minor = await registerPerson("Aya", "2015-01-01");
    const adult = await registerPerson("Malika", "1970-01-01");
    const unknown = await q(REGISTER_HOUSEHOLD, {
      input: { headIdcs: adult, members: [{ idcs: "8000000001", relationship: "CHILD" }], address },
    });
    expect(unknown.body.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|UNKNOWN_PERSON/);
    const minorHead = await q(REGISTER_HOUSEHOLD, { input: { headIdcs: minor, members: [], address } });
    expect(minorHead.body.errors?.[0]?.extensions?.code).toBe("MINOR_HEAD");
    const ok = await q(REGISTER_HOUSEHOLD, { input: { headIdcs: adult, members: [], address } });
    expect(ok.body.errors).toBeUndefined();
    const twice = await q(REGISTER_HOUSEHOLD, {
      input: {
        headIdcs: minor === adult ? adult : await registerPerson("Nezha", "1975-01-01"),
        members: [{ idcs: adult, relationship: "OTHER" }],
        address,
      },
    });
    expect(twice.body.errors?.[0]?.extensions).toMatchObject({ code: "ALREADY_IN_HOUSEHOLD", idcs: [adult] });
    const badRegion = await q(REGISTER_HOUSEHOLD, {
      input: {
        headIdcs: await registerPerson("Houria", "1970-05-05"),
        members: [],
        address: { ...address, regionCode: "13" },
      },
    });
    expect(badRegion.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("is idempotent with a key and refuses absurd spending", async () => {
    const head = await registerPerson("Najat", "1982-08-08");
    const input = { headIdcs: head, members: [], address };
    const first = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input,
      key: "rsu-najat-000001",
    });
    const retry = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input,
      key: "rsu-najat-000001",
    });
    expect(retry.body.errors).toBeUndefined();
    expect(retry.body.data?.registerHousehold.household.id).toBe(first.body.data?.registerHousehold.household.id);
    const absurd = await q(DECLARE, {
      id: first.body.data?.registerHousehold.household.id,
      input: conditions([head], { electricitySpending: "250000.00", rooms: 0 }),
    });
    expect(absurd.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const fields = ((absurd.body.errors?.[0]?.extensions?.problems ?? []) as { field: string }[])
      .map((p) => p.field)
      .sort();
    expect(fields).toEqual(["electricitySpending", "rooms"]);
    const negative = await q(DECLARE, {
      id: first.body.data?.registerHousehold.household.id,
      input: conditions([head], { waterSpending: "-5.00" }),
    });
    expect(negative.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("takes declarations of one household made at the same moment in turn: each its own version, one index in force", async () => {
    const head = await registerPerson("Hanane", "1981-09-09");
    const registered = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input: { headIdcs: head, members: [], address },
    });
    const id = registered.body.data?.registerHousehold.household.id;
    const answers = await Promise.all(
      [1, 2, 3, 4].map((rooms) =>
        q<{ declareLivingConditions: { household: { declaration: { version: number } } } }>(DECLARE, {
          id,
          input: conditions([head], { rooms }),
        }),
      ),
    );
    expect(answers.map((a) => a.body.errors)).toEqual([undefined, undefined, undefined, undefined]);
    // The payload shows the household as it stands after the call, which a declaration made at
    // the same moment may already have superseded: the history tells each version apart.
    const history = await q<{
      household: {
        declarationHistory: { version: number; rooms: number }[];
        indexHistory: { current: boolean; declarationVersion: number }[];
      };
    }>(
      `query($id: ID!) { household(id: $id) { declarationHistory { version rooms } indexHistory { current declarationVersion } } }`,
      { id },
    );
    const declarations = history.body.data?.household.declarationHistory ?? [];
    expect(declarations.map((d) => d.version)).toEqual([4, 3, 2, 1]);
    expect(declarations.map((d) => d.rooms).sort()).toEqual([1, 2, 3, 4]);
    const indices = history.body.data?.household.indexHistory ?? [];
    expect(indices.filter((i) => i.current)).toEqual([{ current: true, declarationVersion: 4 }]);
    expect(indices).toHaveLength(4);
  });

  it("moves a member between households in one step", async () => {
    const a = await registerPerson("Amal", "1981-01-01");
    const b = await registerPerson("Bouchra", "1983-01-01");
    const kid = await registerPerson("Kawtar", "2012-01-01");
    const first = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input: { headIdcs: a, members: [{ idcs: kid, relationship: "CHILD" }], address },
    });
    const second = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input: { headIdcs: b, members: [], address },
    });
    const to = second.body.data?.registerHousehold.household.id;
    const moved = await q(
      `mutation($idcs: ID!, $to: ID!) { moveHouseholdMember(idcs: $idcs, toHouseholdId: $to, relationship: OTHER_RELATIVE) { household { size } } }`,
      { idcs: kid, to },
    );
    expect(moved.body.data).toEqual({ moveHouseholdMember: { household: { size: 2 } } });
    const check = await q<{ person: { household: { id: string } }; household: { size: number } }>(
      `query($kid: ID!, $from: ID!) { person(idcs: $kid) { household { id } } household(id: $from) { size } }`,
      { kid, from: first.body.data?.registerHousehold.household.id },
    );
    expect(check.body.data).toEqual({ person: { household: { id: to } }, household: { size: 1 } });
  });
});

describe("batched reference resolution", () => {
  it("resolves Person.household for 1,000 people with a constant number of statements", async () => {
    const rows = await system.populationDb.database.sql.query<{ idcs: string }>(
      "SELECT idcs FROM person WHERE life_status = 'ALIVE' ORDER BY idcs LIMIT 1000",
    );
    const count = async (idcs: string[]) => {
      system.socialRegistryDb.database.statements.count = 0;
      const { body } = await q<{ people: { household: unknown }[] }>(
        `query($idcs: [ID!]!) { people(idcs: $idcs) { idcs household { id size socioEconomicIndex { score } } } }`,
        { idcs },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.people.filter((p) => p.household).length).toBeGreaterThan(idcs.length / 2);
      return system.socialRegistryDb.database.statements.count;
    };
    expect(rows.length).toBe(1000);
    const small = await count(rows.slice(0, 10).map((r) => r.idcs));
    const large = await count(rows.map((r) => r.idcs));
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(4);
  });
});

describe("statistics", () => {
  it("adds up households and eligible households by region, and bands the index", async () => {
    const { body } = await q<{
      householdStatistics: {
        region: string | null;
        households: number | null;
        scored: number | null;
        eligibleAmoTadamon: number | null;
        eligibleDirectAid: number | null;
      }[];
      indexDistribution: { households: number | null }[];
    }>(
      '{ householdStatistics(by: [REGION], totals: true) { region households scored eligibleAmoTadamon eligibleDirectAid } indexDistribution(bandWidth: "1.0000000") { from to households } }',
      undefined,
      await system.token({ sub: "test:msps", agency: "MSPS", role: "ANALYST" }),
    );
    expect(body.errors).toBeUndefined();
    const cells = body.data?.householdStatistics ?? [];
    expect(cells).toHaveLength(13);
    const total = cells.find((c) => c.region === null);
    const [row] = await system.socialRegistryDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM index_computation WHERE current",
    );
    // Scored households are nearly all of them: unless as many as the threshold are unscored, the
    // scored total is hidden (its complement in the households would be a small count).
    const unscored = (total?.households ?? 0) - (row?.n ?? 0);
    expect(total?.scored).toBe(unscored >= 10 ? row?.n : null);
    // Hidden bands are null: the published ones add up to at most the households scored.
    const banded = body.data?.indexDistribution.reduce((s, b) => s + (b.households ?? 0), 0) ?? 0;
    expect(banded).toBeGreaterThan(0);
    expect(banded).toBeLessThanOrEqual(row?.n ?? 0);
    for (const cell of cells.filter((c) => c.eligibleAmoTadamon !== null && c.eligibleDirectAid !== null)) {
      expect(cell.eligibleAmoTadamon).toBeLessThanOrEqual(cell.eligibleDirectAid ?? 0);
    }
  });
});

describe("revision requests", () => {
  it("lets a member contest the index and a case worker of the region answer", async () => {
    const head = await registerPerson("Fadwa", "1977-07-07");
    const registered = await q<{ registerHousehold: { household: { id: string } } }>(REGISTER_HOUSEHOLD, {
      input: { headIdcs: head, members: [], address },
    });
    const id = registered.body.data?.registerHousehold.household.id;
    const citizen = await system.token({ sub: "citizen", role: "CITIZEN", idcs: head });
    const stranger = await system.token({ sub: "stranger", role: "CITIZEN", idcs: "8000000009" });
    const REQUEST = `mutation($id: ID!) { requestIndexRevision(householdId: $id, reason: "Our electricity bill is shared with the neighbours") { id regionCode status dueAt } }`;
    const refused = await q(REQUEST, { id }, stranger);
    expect(refused.body.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    const asked = await q<{ requestIndexRevision: { id: string; regionCode: string; status: string; dueAt: string } }>(
      REQUEST,
      { id },
      citizen,
    );
    expect(asked.body.errors).toBeUndefined();
    const request = asked.body.data?.requestIndexRevision;
    expect(request?.regionCode).toBe("07");
    expect(new Date(request?.dueAt ?? 0).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const RESOLVE = `mutation($id: ID!) { resolveIndexRevision(id: $id, outcome: ACCEPTED, note: "Bill checked with the utility") { status } }`;
    const otherRegion = await system.token({ sub: "cw-06", agency: "ANR", role: "CASE_WORKER", region: "06" });
    expect((await q(RESOLVE, { id: request?.id }, otherRegion)).body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const sameRegion = await system.token({ sub: "cw-07", agency: "ANR", role: "CASE_WORKER", region: "07" });
    expect((await q(RESOLVE, { id: request?.id }, sameRegion)).body.data).toEqual({
      resolveIndexRevision: { status: "ACCEPTED" },
    });
    expect((await q(RESOLVE, { id: request?.id }, sameRegion)).body.errors?.[0]?.extensions?.code).toBe(
      "ALREADY_RESOLVED",
    );
  });

  it("lists overdue requests", async () => {
    const [household] = await system.socialRegistryDb.database.sql.query<{ id: string; region_code: string }>(
      "SELECT id, region_code FROM household LIMIT 1",
    );
    await system.socialRegistryDb.database.sql.query(
      `INSERT INTO revision_request (id, household_id, region_code, reason, requested_by, requested_at, due_at)
       VALUES (gen_random_uuid(), $1, $2, 'late answer test', 'test', now() - interval '40 days', now() - interval '10 days')`,
      [household?.id, household?.region_code],
    );
    const { body } = await q<{ overdueIndexRevisions: { householdId: string; overdue: boolean }[] }>(
      "{ overdueIndexRevisions { householdId overdue } }",
    );
    expect(body.data?.overdueIndexRevisions).toContainEqual({ householdId: household?.id, overdue: true });
  });
});
