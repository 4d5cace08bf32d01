import { type Caller, catalogue } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { signInternalToken } from "@spx/runtime/tokens";
import { type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import { type AnotherGateway, type RunningSystem, startAnotherGateway, startSystem } from "./testkit/start-system.js";

interface GraphError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

const codes = (errors: GraphError[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const forbiddenPaths = (errors: GraphError[] | undefined) =>
  (errors ?? [])
    .filter((e) => e.extensions?.code === "FORBIDDEN")
    .map((e) => (e.path ?? []).join("."))
    .sort();

const caseWorker = (region: string, agency: Caller["agency"] = "ANSS"): Caller => ({
  sub: "test:cw",
  agency,
  role: "CASE_WORKER",
  region: region as Caller["region"],
  purpose: "CASE_MANAGEMENT",
});
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" };
const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };

let system: RunningSystem;
/** A head of a household in AMO-Tadamon and direct aid, and someone of another region. */
let subject: ProgrammeSubject;
let stranger: { idcs: string; householdId: string };

beforeAll(async () => {
  system = await startSystem({ label: "authz", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  subject = await programmeSubject(system);
  const [other] = await system.socialRegistryDb.database.sql.query<{ idcs: string; household_id: string }>(
    `SELECT m.person_idcs AS idcs, m.household_id FROM membership m JOIN household h ON h.id = m.household_id
     WHERE h.region_code <> $1 AND m.relationship = 'HEAD' AND m.until IS NULL ORDER BY m.person_idcs LIMIT 1`,
    [subject.region],
  );
  stranger = { idcs: other!.idcs, householdId: other!.household_id };
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

const CROSS_PROGRAMME = /* GraphQL */ `
  query Person360($idcs: ID!) {
    person(idcs: $idcs) {
      idcs firstName lastName birthDate
      healthCoverage { regime status }
      household {
        eligibility { program eligible }
        socioEconomicIndex { score }
        declaration { rooms }
      }
    }
  }
`;

describe("what each agency gets from the cross-programme query", () => {
  it("CNSS: identity, coverage and a yes/no eligibility; the index and the declaration are refused", async () => {
    const { status, body } = await system.query<{
      person: {
        idcs: string;
        firstName: string;
        healthCoverage: { regime: string } | null;
        household: { eligibility: { eligible: boolean }[]; socioEconomicIndex: unknown; declaration: unknown };
      };
    }>(await system.token(cnss), CROSS_PROGRAMME, { idcs: subject.idcs });
    expect(status).toBe(200);
    const person = body.data?.person;
    expect(person?.idcs).toBe(subject.idcs);
    expect(person?.firstName).toEqual(expect.any(String));
    expect(person?.healthCoverage?.regime).toBe("AMO_TADAMON");
    expect(person?.household.eligibility.length).toBeGreaterThan(0);
    expect(person?.household.socioEconomicIndex).toBeNull();
    expect(person?.household.declaration).toBeNull();
    expect(forbiddenPaths(body.errors)).toEqual([
      "person.household.declaration",
      "person.household.socioEconomicIndex",
    ]);
  });

  it("each refused field says which kind of data the grant lacks and the grant's legal basis", async () => {
    const { body } = await system.query(await system.token(cnss), CROSS_PROGRAMME, { idcs: subject.idcs });
    const refused = Object.fromEntries(
      (body.errors ?? [])
        .filter((e) => e.extensions?.code === "FORBIDDEN")
        .map((e) => [(e.path ?? []).join("."), e.extensions]),
    );
    const legalBasis = catalogue().grants.find((g) => g.agency === "CNSS" && g.role === "SYSTEM")?.legalBasis;
    expect(legalBasis).toEqual(expect.stringContaining("65-00"));
    expect(refused["person.household.socioEconomicIndex"]).toEqual({
      code: "FORBIDDEN",
      coordinate: "Household.socioEconomicIndex",
      reason: `The grant of CNSS (SYSTEM) does not include the socio-economic index, its contributions and the explanation of a decision (social:index)`,
      legalBasis,
      scopes: ["social:index"],
      kindsOfData: ["household index"],
      rows: [],
    });
    expect(refused["person.household.declaration"]).toMatchObject({
      coordinate: "Household.declaration",
      reason: expect.stringContaining(
        "declared living conditions and their verification against administrative sources (social:declaration), or households",
      ),
      legalBasis,
      scopes: ["social:declaration"],
    });
    // Explanations come from the policy alone: nothing about the person asked is in them.
    const firstName = (body.data as { person?: { firstName?: string } } | undefined)?.person?.firstName;
    expect(firstName).toEqual(expect.any(String));
    expect(JSON.stringify(refused)).not.toContain(subject.idcs);
    expect(JSON.stringify(refused)).not.toContain(`"${firstName}"`);
  });

  it("an analyst asking for a person is told that identity is not in its grant", async () => {
    const { body } = await system.query(await system.token(analyst), "query($i: ID!) { person(idcs: $i) { idcs } }", {
      i: subject.idcs,
    });
    const [error] = body.errors ?? [];
    expect(error?.extensions).toMatchObject({
      code: "FORBIDDEN",
      coordinate: "Query.person",
      reason: expect.stringMatching(/^The grant of MSPS \(ANALYST\) does not include identity/),
      legalBasis: expect.stringContaining("09-21"),
      scopes: ["identity:core"],
      kindsOfData: ["identity"],
    });
  });

  it("MSPS analysts: every person-level field refused, statistics served", async () => {
    const token = await system.token(analyst);
    const person = await system.query(token, CROSS_PROGRAMME, { idcs: subject.idcs });
    expect(person.body.data?.person).toBeNull();
    expect(forbiddenPaths(person.body.errors)).toEqual(["person"]);
    const stats = await system.query<{ populationStatistics: { count: number }[]; householdStatistics: unknown[] }>(
      token,
      "{ populationStatistics(by: [REGION]) { region count } householdStatistics(by: [REGION]) { region households } }",
    );
    expect(stats.body.errors).toBeUndefined();
    expect(stats.body.data?.populationStatistics.length).toBe(12);
  });

  it("a case worker: their region served, another region's person refused", async () => {
    const token = await system.token(caseWorker(subject.region));
    const mine = await system.query<{ person: { household: { socioEconomicIndex: { score: string } } } }>(
      token,
      CROSS_PROGRAMME,
      { idcs: subject.idcs },
    );
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data?.person.household.socioEconomicIndex.score).toMatch(/^\d+\.\d{7}$/);
    const theirs = await system.query(token, CROSS_PROGRAMME, { idcs: stranger.idcs });
    expect(theirs.body.data?.person).toBeNull();
    expect(forbiddenPaths(theirs.body.errors)).toEqual(["person"]);
  });
});

describe("row rules", () => {
  it("a case worker's lists hold only their region", async () => {
    const { body } = await system.query<{
      persons: { edges: { node: { address: { regionCode: string } } }[] };
      overdueIndexRevisions: { regionCode: string }[];
    }>(
      await system.token(caseWorker(subject.region)),
      "{ persons(first: 100) { edges { node { address { regionCode } } } } overdueIndexRevisions { regionCode } }",
    );
    expect(body.errors).toBeUndefined();
    const regions = new Set(body.data?.persons.edges.map((e) => e.node.address.regionCode));
    expect([...regions]).toEqual([subject.region]);
  });

  it("a case worker finds a person of their region by card number, never one of another region", async () => {
    const holder = (where: string) =>
      system.populationDb.database.sql
        .query<{ idcs: string; cin: string }>(
          `SELECT idcs, cin FROM person WHERE cin IS NOT NULL AND ${where} ORDER BY idcs LIMIT 1`,
          [subject.region],
        )
        .then((rows) => rows[0]!);
    const [mine, theirs] = [await holder("region_code = $1"), await holder("region_code <> $1")];
    const search = "query($c: String!) { persons(first: 5, filter: { cin: $c }) { edges { node { idcs } } } }";
    const token = await system.token(caseWorker(subject.region));
    const found = await system.query<{ persons: { edges: { node: { idcs: string } }[] } }>(token, search, {
      c: mine.cin.toLowerCase(),
    });
    expect(found.body.errors).toBeUndefined();
    expect(found.body.data?.persons.edges).toEqual([{ node: { idcs: mine.idcs } }]);
    const elsewhere = await system.query<{ persons: { edges: unknown[] } }>(token, search, { c: theirs.cin });
    expect(elsewhere.body.errors).toBeUndefined();
    expect(elsewhere.body.data?.persons.edges).toEqual([]);
    // The same number finds them for a case worker of their own region: the refusal above is the row rule.
    const [home] = await system.populationDb.database.sql.query<{ region_code: string }>(
      "SELECT region_code FROM person WHERE idcs = $1",
      [theirs.idcs],
    );
    const local = await system.query<{ persons: { edges: unknown[] } }>(
      await system.token(caseWorker(home!.region_code)),
      search,
      { c: theirs.cin },
    );
    expect(local.body.data?.persons.edges).toEqual([{ node: { idcs: theirs.idcs } }]);
    const malformed = await system.query(token, search, { c: "not a card" });
    expect(codes(malformed.body.errors)).toEqual(["BAD_USER_INPUT"]);
  });

  it("a case worker cannot reach another region through a household either", async () => {
    const { body } = await system.query(
      await system.token(caseWorker(subject.region)),
      "query($id: ID!) { household(id: $id) { members { relationship } directAid { status } } }",
      { id: stranger.householdId },
    );
    expect(body.data?.household).toBeNull();
    expect(forbiddenPaths(body.errors)).toEqual(["household"]);
  });

  it("a citizen reads themselves and their household, and nobody else", async () => {
    const token = await system.token({ sub: "test:citizen", role: "CITIZEN", idcs: subject.idcs });
    const own = await system.query<{ person: { idcs: string; household: { directAid: { status: string } | null } } }>(
      token,
      "query($i: ID!) { person(idcs: $i) { idcs household { directAid { status } } } }",
      { i: subject.idcs },
    );
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data?.person.household.directAid?.status).toBe("ACTIVE");
    const other = await system.query(token, "query($i: ID!) { person(idcs: $i) { idcs } }", { i: stranger.idcs });
    expect(other.body.data?.person).toBeNull();
    expect(forbiddenPaths(other.body.errors)).toEqual(["person"]);
    const list = await system.query<{ persons: { edges: { node: { idcs: string } }[] } }>(
      token,
      "{ persons(first: 50) { edges { node { idcs } } } }",
    );
    expect(list.body.data?.persons.edges.map((e) => e.node.idcs)).toEqual([subject.idcs]);
  });

  it("a payment institution sees its own orders and their payees' names, nothing else", async () => {
    const [row] = await system.directAidDb.database.sql.query<{ institution: string; month: string }>(
      "SELECT institution, max(month) AS month FROM payment_order GROUP BY institution ORDER BY institution LIMIT 1",
    );
    const institution = row!.institution as Caller["agency"];
    const token = await system.token({ sub: "test:bank", agency: institution, role: "SYSTEM" });
    const { body } = await system.query<{
      paymentOrders: {
        id: string;
        institution: string;
        amount: string;
        beneficiary: { firstName: string; cin: string | null; birthDate: null };
      }[];
    }>(
      token,
      "query($m: String!) { paymentOrders(month: $m) { id institution amount beneficiary { firstName cin birthDate } } }",
      { m: row!.month },
    );
    const orders = body.data?.paymentOrders ?? [];
    expect(orders.length).toBeGreaterThan(0);
    expect(new Set(orders.map((o) => o.institution))).toEqual(new Set([institution]));
    expect(orders.every((o) => typeof o.beneficiary.firstName === "string" && o.beneficiary.birthDate === null)).toBe(
      true,
    );
    expect(forbiddenPaths(body.errors)).toEqual(["paymentOrders.@.beneficiary.birthDate"]);
    // Another institution's order cannot be reported on.
    const [foreign] = await system.directAidDb.database.sql.query<{ id: string }>(
      "SELECT id FROM payment_order WHERE institution <> $1 AND status = 'ISSUED' LIMIT 1",
      [institution],
    );
    const report = await system.query(
      token,
      `mutation($id: ID!) { recordPaymentOutcome(orderId: $id, outcome: PAID, reference: "REF-1") { status } }`,
      { id: foreign!.id },
    );
    expect(codes(report.body.errors)).toEqual(["FORBIDDEN"]);
    const [after] = await system.directAidDb.database.sql.query<{ status: string }>(
      "SELECT status FROM payment_order WHERE id = $1",
      [foreign!.id],
    );
    expect(after?.status).toBe("ISSUED");
  });
});

describe("attempts to get around the policy", () => {
  let token: string;
  beforeAll(async () => {
    token = await system.token(cnss);
  });
  const ask = (query: string, variables?: Record<string, unknown>) =>
    system.query<Record<string, unknown>>(token, query, { idcs: subject.idcs, ...variables });

  it("aliases of a refused field are each refused", async () => {
    const { body } = await ask("query($idcs: ID!) { person(idcs: $idcs) { a: phone b: phone firstName } }");
    expect(body.data?.person).toEqual({ a: null, b: null, firstName: expect.any(String) });
    expect(forbiddenPaths(body.errors)).toEqual(["person.a", "person.b"]);
  });

  it("a refused field inside a named fragment and an inline fragment", async () => {
    const { body } = await ask(
      `query($idcs: ID!) { person(idcs: $idcs) { ...Contact ... on Person { address { regionCode } } } }
       fragment Contact on Person { idcs phone }`,
    );
    expect(body.data?.person).toEqual({ idcs: subject.idcs, phone: null, address: null });
    expect(forbiddenPaths(body.errors)).toEqual(["person.address", "person.phone"]);
  });

  it("a refused field behind @include(if: $var) is refused when the variable is true", async () => {
    const { body } = await ask(
      "query($idcs: ID!, $show: Boolean!) { person(idcs: $idcs) { idcs phone @include(if: $show) } }",
      { show: true },
    );
    expect(body.data?.person).toEqual({ idcs: subject.idcs, phone: null });
    expect(forbiddenPaths(body.errors)).toEqual(["person.phone"]);
  });

  it("a refused field nested under allowed ones", async () => {
    const { body } = await ask(
      "query($idcs: ID!) { person(idcs: $idcs) { household { socioEconomicIndex { score contributions { label } } } } }",
    );
    expect(body.data?.person).toEqual({ household: { socioEconomicIndex: null } });
    expect(forbiddenPaths(body.errors)).toEqual(["person.household.socioEconomicIndex"]);
  });

  it("an object whose every field is refused is kept, with each field null", async () => {
    const { body } = await ask("query($idcs: ID!) { person(idcs: $idcs) { household { members { relationship } } } }");
    expect(body.data?.person).toEqual({ household: { members: null } });
    expect(forbiddenPaths(body.errors)).toEqual(["person.household.members"]);
  });

  it("several operations batched in one HTTP request are refused", async () => {
    const response = await fetch(`${system.gatewayUrl}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify([
        { query: "{ populationStatistics(by: [REGION]) { count } }" },
        { query: `{ person(idcs: "${subject.idcs}") { phone } }` },
      ]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('"phone":"');
  });

  it("_entities is not part of the graph the gateway serves", async () => {
    const { body } = await ask(
      `query { _entities(representations: [{ __typename: "Person", idcs: "${subject.idcs}" }]) { ... on Person { phone } } }`,
    );
    expect(body.data ?? null).toBeNull();
    expect(codes(body.errors)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("a subgraph asked directly, with a genuine gateway token, still applies the same policy", async () => {
    const caller = caseWorker(subject.region);
    const request = {
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Household { regionCode } } }`,
      variables: { r: [{ __typename: "Household", id: stranger.householdId }] },
    };
    const internal = await signInternalToken(system.gatewayKey, "social-registry", {
      caller,
      requestId: "bypass",
      request,
    });
    const { body } = await postGraphQL<{ _entities: unknown[] }>(
      system.subgraphUrls["social-registry"] ?? "",
      request,
      { authorization: `Bearer ${internal}` },
    );
    expect(body.data?._entities).toEqual([null]);
    expect(codes(body.errors)).toEqual(["FORBIDDEN"]);
  });

  it("a gateway token replayed to another subgraph is refused", async () => {
    const query = "{ householdStatistics(by: [REGION]) { households } }";
    const internal = await signInternalToken(system.gatewayKey, "population", {
      caller: cnss,
      requestId: "replay",
      request: { query },
    });
    const response = await postGraphQL(
      system.subgraphUrls["social-registry"] ?? "",
      { query },
      { authorization: `Bearer ${internal}` },
    );
    expect(response.status).toBe(401);
  });
});

describe("reject mode", () => {
  let server: AnotherGateway | undefined;

  beforeAll(async () => {
    server = await startAnotherGateway(system, { authorization: "reject" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers the whole request with FORBIDDEN when any field is refused, naming each", async () => {
    const { body } = await postGraphQL<Record<string, unknown>>(
      `${server?.url}/graphql`,
      { query: `{ person(idcs: "${subject.idcs}") { firstName phone household { socioEconomicIndex { score } } } }` },
      { authorization: `Bearer ${await system.token(cnss)}` },
    );
    expect(body.data ?? null).toBeNull();
    expect(codes(body.errors)).toEqual(["FORBIDDEN"]);
    const refused = ((body.errors?.[0]?.extensions?.refused ?? []) as { coordinate: string }[]).map(
      (r) => r.coordinate,
    );
    expect(refused.sort()).toEqual(["Household.socioEconomicIndex", "Person.phone"]);
  });

  it("serves a request that asks only for what the caller may read", async () => {
    const { body } = await postGraphQL<{ person: { firstName: string } }>(
      `${server?.url}/graphql`,
      { query: `{ person(idcs: "${subject.idcs}") { firstName } }` },
      { authorization: `Bearer ${await system.token(cnss)}` },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.person.firstName).toEqual(expect.any(String));
  });
});
