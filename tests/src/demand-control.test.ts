import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { ASD_HOUSEHOLD_CHECK, HOUSEHOLD_BATCH } from "@spx/direct-aid/registers";
import { readCostModel } from "@spx/gateway/edge/cost-model";
import { estimateCost } from "@spx/gateway/edge/estimate-cost";
import { readSupergraphPolicy } from "@spx/gateway/supergraph-policy";
import { AMO_PERSON_CHECK, AMO_TADAMON_CHECK, PERSON_BATCH } from "@spx/health-insurance/registers";
import { accessOf, type Caller, catalogue, edgePolicyOf } from "@spx/runtime/access";
import { RSU_MEMBERSHIP_CHECK } from "@spx/social-registry/population-directory";
import { buildSchema, parse } from "graphql";
import { capturedLogs } from "./testkit/captured-logs.js";
import { PERSON_360, programmeSubject } from "./testkit/fixtures.js";
import { type RunningSystem, SUPERGRAPH, startSystem } from "./testkit/start-system.js";

let system: RunningSystem;
const logs = capturedLogs();

beforeAll(async () => {
  system = await startSystem({
    label: "cost",
    seedPersons: 800,
    seedHouseholds: true,
    seedProgrammes: true,
    logger: logs.logger,
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

interface LogLine {
  service?: string;
  requestId?: string;
  msg?: string;
  cost?: { estimated: number; actual: number; budget: number };
}

const parsed = (): LogLine[] => logs.lines.map((line) => JSON.parse(line) as LogLine);

/** The gateway's cost line for one request, found by the request id the response carries. */
function costOf(requestId: string | null) {
  const line = parsed().find((l) => l.msg === "operation" && l.requestId === requestId && l.cost);
  if (!line?.cost) {
    throw new Error(`no cost logged for request ${requestId}`);
  }
  return line.cost;
}

/** Operations the registers served (each logs one line per operation). */
const subgraphOperations = () => parsed().filter((l) => l.msg === "operation" && l.service !== "gateway").length;

async function ask(caller: Caller, query: string, variables?: Record<string, unknown>) {
  const response = await system.query(await system.token(caller), query, variables);
  return { ...response, requestId: response.headers.get("x-request-id") };
}

const ANR_SYSTEM: Caller = { sub: "anr-system", agency: "ANR", role: "SYSTEM" };
const CNSS_SYSTEM: Caller = { sub: "cnss-system", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" };

/** Every grant of the catalogue, as a caller it could be (a case worker has a region, a citizen an IDCS). */
const everyGrant = (): Caller[] =>
  catalogue().grants.map((grant) => ({
    sub: `${grant.agency ?? "citizen"}-${grant.role}`.toLowerCase(),
    agency: grant.agency ?? undefined,
    role: grant.role,
    ...(grant.role === "CASE_WORKER" ? { region: "02" as Caller["region"] } : {}),
    ...(grant.role === "CITIZEN" ? { idcs: "1062609475" } : {}),
  }));

// Three households deep: each level multiplies by a household's 30 members. Nine fields deep
// down to the last members (29,792), or on to their persons (56,792).
const NESTED_HOUSEHOLDS = `{ person(idcs: "1062609475") { household { members { person { household { members {
  person { household { members { relationship } } } } } } } } } }`;
const NESTED_PERSONS = `{ person(idcs: "1062609475") { household { members { person { household { members {
  person { household { members { person { idcs } } } } } } } } } } }`;
const THOUSAND_PAGES = `{ ${Array.from({ length: 1000 }, (_, i) => `p${i}: persons(first: 100) { edges { node { idcs } } }`).join(" ")} }`;

describe("the README's queries, estimated and measured", () => {
  it("estimates each at least its actual cost, and within a few times of it", async () => {
    const subject = await programmeSubject(system);
    const [minor] = await system.populationDb.database.sql.query<{ idcs: string }>(
      "SELECT idcs FROM person WHERE legal_representative_idcs IS NOT NULL ORDER BY idcs LIMIT 1",
    );
    const caseWorker: Caller = {
      sub: "cw",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject.region as Caller["region"],
    };
    const citizen: Caller = { sub: "citizen", role: "CITIZEN", idcs: subject.idcs, purpose: "SELF_SERVICE" };
    const queries: [string, Caller, string, Record<string, unknown>?][] = [
      [
        "first page",
        { ...ANR_SYSTEM, purpose: "REGISTRATION" },
        `{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }`,
      ],
      ["person 360", caseWorker, PERSON_360, { idcs: subject.idcs }],
      [
        "a minor's representative",
        ANR_SYSTEM,
        `query($idcs: ID!) { person(idcs: $idcs) { idcs cin firstNameAr lastNameAr birthDate lifeStatus legalRepresentative { idcs } } }`,
        { idcs: minor?.idcs },
      ],
      [
        "e-KYC",
        CNSS_SYSTEM,
        `query($idcs: ID!) { verifyIdentity(idcs: $idcs, claims: { lastName: "Alaoui", birthDate: "1984-05-02" }) { matched attributes { attribute match } } }`,
        { idcs: subject.idcs },
      ],
      [
        "population counts",
        { sub: "msps", agency: "MSPS", role: "ANALYST" },
        `{ populationStatistics(by: [REGION, AGE_BAND]) { region ageBand count } }`,
      ],
      [
        "CNSS asks about a person",
        CNSS_SYSTEM,
        `query($idcs: ID!) { person(idcs: $idcs) { firstName healthCoverage { regime } } eligibilityAttestation(idcs: $idcs, program: AMO_TADAMON) { eligible jws } }`,
        { idcs: subject.idcs },
      ],
      [
        "who read my data",
        citizen,
        `{ myDataAccess(first: 5) { entries { at agency role purpose purposeDescription kindsOfData } endCursor } }`,
      ],
      [
        "register someone",
        { ...ANR_SYSTEM, purpose: "REGISTRATION" },
        `mutation { registerPerson(idempotencyKey: "csc-anfa-2026-000123", input: { cin: "BE123456", firstName: "Fatima",
          lastName: "El Idrissi", firstNameAr: "فاطمة", lastNameAr: "الإدريسي", sex: FEMALE, birthDate: "1985-03-10",
          birthPlace: "Casablanca", nationality: "MAR", residencyStatus: CITIZEN, registrationCentre: "CSC Anfa",
          address: { regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: URBAN } }) { person { idcs } } }`,
      ],
    ];
    for (const [name, caller, query, variables] of queries) {
      const { status, body, requestId } = await ask(caller, query, variables);
      expect({ name, status, errors: body.errors }).toEqual({ name, status: 200, errors: undefined });
      const { estimated, actual } = costOf(requestId);
      expect({ name, covered: estimated >= actual }).toEqual({ name, covered: true });
      // Only list sizes separate the two: assumed 30 members for a household of a handful, 10
      // attributes for two claimed, 200 cells for a hundred or so.
      expect({ name, close: estimated <= 6 * actual }).toEqual({ name, close: true });
    }
  });
});

describe("refusing abuse by cost", () => {
  const sdl = readFileSync(SUPERGRAPH, "utf8");
  const schema = buildSchema(readSupergraphPolicy(sdl).executableSdl, { assumeValidSDL: true });
  const model = readCostModel(sdl);
  const budgetOf = (caller: Caller) =>
    edgePolicyOf(
      catalogue(),
      catalogue().grants.find((g) => g.role === caller.role && (g.agency ?? undefined) === caller.agency),
    ).costBudget;
  // Within every operation limit (depth 7, five aliases), and still 31,500: over even 25,000.
  const FIVE_PAGES_OF_HOUSEHOLDS = `{ ${["a", "b", "c", "d", "e"]
    .map((alias) => `${alias}: persons(first: 100) { edges { node { household { members { person { idcs } } } } } }`)
    .join(" ")} }`;

  it("the nested-household document and a thousand pages of persons cost more than any grant's budget", () => {
    for (const caller of everyGrant()) {
      for (const document of [NESTED_HOUSEHOLDS, NESTED_PERSONS, THOUSAND_PAGES]) {
        const estimated = estimateCost(schema, model, parse(document), undefined, {});
        expect({ caller: caller.sub, over: estimated > budgetOf(caller) }).toEqual({ caller: caller.sub, over: true });
      }
    }
  });

  it("refuses them for every grant, asking no register (the operation limits, checked first, or the budget)", async () => {
    const before = subgraphOperations();
    for (const caller of everyGrant()) {
      for (const document of [NESTED_HOUSEHOLDS, NESTED_PERSONS, THOUSAND_PAGES]) {
        const { status, body } = await ask(caller, document);
        expect({ caller: caller.sub, status, data: body.data }).toEqual({
          caller: caller.sub,
          status: 400,
          data: undefined,
        });
        expect(["OPERATION_LIMIT_EXCEEDED", "COST_LIMIT_EXCEEDED"]).toContain(body.errors?.[0]?.extensions?.code);
      }
    }
    expect(subgraphOperations()).toBe(before);
  });

  it("refuses a document within every operation limit by its cost alone, for every grant, asking no register", async () => {
    const before = subgraphOperations();
    for (const caller of everyGrant()) {
      const budget = budgetOf(caller);
      const { status, body } = await ask(caller, FIVE_PAGES_OF_HOUSEHOLDS);
      expect({ caller: caller.sub, status, data: body.data }).toEqual({
        caller: caller.sub,
        status: 400,
        data: undefined,
      });
      const error = body.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: "COST_LIMIT_EXCEEDED", budget });
      expect(Number(error?.extensions?.estimated)).toBeGreaterThan(budget);
    }
    expect(subgraphOperations()).toBe(before);
  });

  it("logs the figures of a refusal, never its variables", async () => {
    const secret = "1062609475";
    const { requestId } = await ask(
      CNSS_SYSTEM,
      `query($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime } } }`,
      { idcs: Array.from({ length: 5001 }, () => secret) },
    );
    expect(costOf(requestId)).toEqual({ estimated: 10_002, actual: 0, budget: 10_000 });
    const lines = logs.lines.filter((line) => line.includes(`"requestId":"${requestId}"`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(secret);
  });
});

describe("budgets", () => {
  const HOUSEHOLDS = `query($ids: [ID!]!) { households(ids: $ids) { id
    members { relationship person { idcs } } eligibility { program eligible } declaration { members { idcs } } } }`;

  it("honours a grant's override: the direct-aid register's 25,000 admits 250 households, another service's 10,000 does not", async () => {
    const ids = Array.from({ length: 250 }, () => randomUUID());
    // 250 × (household 1 + 30 members with their person 60 + 3 eligibilities + declaration 1 + 30 members)
    const estimated = 250 * 95;
    const direct = await ask({ sub: "service:direct-aid", agency: "ANSS", role: "SERVICE" }, HOUSEHOLDS, { ids });
    expect(direct.status).toBe(200);
    expect(direct.body.errors).toBeUndefined();
    expect(costOf(direct.requestId)).toMatchObject({ estimated, budget: 25_000 });
    const other = await ask({ sub: "service:health-insurance", agency: "CNSS", role: "SERVICE" }, HOUSEHOLDS, { ids });
    expect(other.status).toBe(400);
    expect(other.body.errors?.[0]?.extensions).toMatchObject({
      code: "COST_LIMIT_EXCEEDED",
      estimated,
      budget: 10_000,
    });
  });

  it("counts `first: $n` with the variable's value: just under the budget runs, just over is refused", async () => {
    // Each order weighs 1, and its components 10 more: 11 per order.
    const ORDERS = `query($n: Int) { paymentOrders(month: "2026-11", first: $n) { id components { reason } } }`;
    const caller: Caller = { sub: "anss-system", agency: "ANSS", role: "SYSTEM" };
    const under = await ask(caller, ORDERS, { n: 909 });
    expect(under.status).toBe(200);
    expect(under.body.errors).toBeUndefined();
    expect(costOf(under.requestId).estimated).toBe(9999);
    const over = await ask(caller, ORDERS, { n: 910 });
    expect(over.status).toBe(400);
    expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: "COST_LIMIT_EXCEEDED", estimated: 10_010 });
  });

  it("serves the benchmark's documents: CNSS's batch of 1,000 persons and the ministry's dashboard", async () => {
    const people = await system.populationDb.database.sql.query<{ idcs: string }>(
      "SELECT idcs FROM person ORDER BY idcs LIMIT 1000",
    );
    const batch = await ask(
      CNSS_SYSTEM,
      `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime role status } } }`,
      { idcs: Array.from({ length: 1000 }, (_, i) => people[i % people.length]?.idcs) },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.errors).toBeUndefined();
    const { estimated, actual } = costOf(batch.requestId);
    expect(estimated).toBe(2000);
    expect(actual).toBeLessThanOrEqual(estimated);
    const dashboard = await ask(
      { sub: "msps", agency: "MSPS", role: "ANALYST" },
      `query Dashboard { populationStatistics(by: [REGION, MILIEU]) { region milieu count }
        householdStatistics(by: [REGION]) { region households members eligibleAmoTadamon eligibleDirectAid }
        coverageStatistics(by: [REGION, REGIME]) { region regime beneficiaries } }`,
    );
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.errors).toBeUndefined();
  });

  it("lets the registers' own checks through: a payment run asks every enrolled household at once", async () => {
    const caller: Caller = { sub: "anss-system", agency: "ANSS", role: "SYSTEM" };
    const earlier = parsed().length;
    // A month the demo data has not paid yet, so that the run asks for every household's facts.
    const [latest] = await system.directAidDb.database.sql.query<{ month: string | null }>(
      "SELECT max(month) AS month FROM payment_order",
    );
    const [year = 2026, month = 1] = (latest?.month ?? "2026-01").split("-").map(Number);
    const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`;
    const run = await ask(
      caller,
      `mutation($month: String!) { runMonthlyPayments(month: $month) { issued skipped } }`,
      {
        month: next,
      },
    );
    expect(run.body.errors).toBeUndefined();
    expect((run.body.data as { runMonthlyPayments: { issued: number } }).runMonthlyPayments.issued).toBeGreaterThan(0);
    const graph = parsed()
      .slice(earlier)
      .filter((l) => l.msg === "operation" && l.cost?.budget === 25_000);
    // The direct-aid register's household check, as many as the run needed, none refused.
    expect(graph.length).toBeGreaterThan(0);
    expect(graph.every((l) => (l.cost?.estimated ?? 0) <= 25_000)).toBe(true);
  });
});

describe("every document the system itself sends, at its largest, within its sender's budget", () => {
  const sdl = readFileSync(SUPERGRAPH, "utf8");
  const schema = buildSchema(readSupergraphPolicy(sdl).executableSdl, { assumeValidSDL: true });
  const model = readCostModel(sdl);
  const budgetOf = (agency: Caller["agency"], role: Caller["role"]) => accessOf({ agency, role }).edge.costBudget;
  const keys = (n: number) => Array.from({ length: n }, () => "1062609475");
  /** A document of the benchmark scripts, read from their source so that it cannot drift from them. */
  const benchDocument = (file: string, name: string) => {
    const source = readFileSync(new URL(`../bench/${file}`, import.meta.url), "utf8");
    const found = new RegExp(`const ${name} = \`([^\`]*)\``).exec(source)?.[1];
    if (!found) {
      throw new Error(`${name} not found in tests/bench/${file}`);
    }
    return found;
  };

  it.each([
    ["direct aid's household check", ASD_HOUSEHOLD_CHECK, { ids: keys(HOUSEHOLD_BATCH) }, "ANSS", "SERVICE"],
    ["AMO's Tadamon check", AMO_TADAMON_CHECK, { id: "h" }, "CNSS", "SERVICE"],
    ["AMO's person check", AMO_PERSON_CHECK, { idcs: keys(PERSON_BATCH) }, "CNSS", "SERVICE"],
    ["the social register's membership check", RSU_MEMBERSHIP_CHECK, { idcs: keys(PERSON_BATCH) }, "ANR", "SERVICE"],
    ["bench: person-360", benchDocument("harness.mjs", "PERSON_360"), { idcs: "1" }, "ANSS", "CASE_WORKER"],
    [
      "bench: agency batch of 1,000",
      benchDocument("bench.mjs", "AGENCY_BATCH"),
      { idcs: keys(1000) },
      "CNSS",
      "SYSTEM",
    ],
    ["bench: dashboard", benchDocument("bench.mjs", "DASHBOARD"), {}, "MSPS", "ANALYST"],
    ["bench: declaration", benchDocument("bench.mjs", "DECLARE"), {}, "ANR", "CASE_WORKER"],
  ] as const)("%s", (_name, document, variables, agency, role) => {
    const estimated = estimateCost(schema, model, parse(document), undefined, variables);
    expect(estimated).toBeGreaterThan(0);
    expect(estimated).toBeLessThanOrEqual(budgetOf(agency, role));
  });
});
