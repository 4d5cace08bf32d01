import type { Caller } from "@spx/runtime/access";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { analyst, type Harness, startPopulation } from "./harness.js";

// The subgraph's own checks, reached as if the gateway had been bypassed: the same scopes and
// row policies, on the caller in the gateway's token.
let h: Harness;
let inRegion: { idcs: string; regionCode: string };
let elsewhere: { idcs: string };

beforeAll(async () => {
  h = await startPopulation("access");
  await seedDemoIfEmpty(h.app.prisma, { persons: 120 });
  const [first] = await h.db.database.sql.query<{ idcs: string; region_code: string }>(
    "SELECT idcs, region_code FROM person ORDER BY idcs LIMIT 1",
  );
  inRegion = { idcs: first!.idcs, regionCode: first!.region_code };
  const [other] = await h.db.database.sql.query<{ idcs: string }>(
    "SELECT idcs FROM person WHERE region_code <> $1 ORDER BY idcs LIMIT 1",
    [inRegion.regionCode],
  );
  elsewhere = other!;
});
afterAll(async () => {
  await h?.stop();
});

const caseWorker = (region: string): Caller => ({
  sub: "test:cw",
  agency: "ANSS",
  role: "CASE_WORKER",
  region: region as Caller["region"],
});

const codes = (errors: { extensions?: { code?: unknown } }[] | undefined) => errors?.map((e) => e.extensions?.code);

describe("population subgraph, called directly", () => {
  it("serves a case worker's own region and refuses a person of another region", async () => {
    const cw = caseWorker(inRegion.regionCode);
    const mine = await h.call<{ person: { firstName: string } | null }>(
      "query($i: ID!) { person(idcs: $i) { firstName } }",
      { i: inRegion.idcs },
      cw,
    );
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data?.person?.firstName).toEqual(expect.any(String));
    const theirs = await h.call<{ person: unknown }>(
      "query($i: ID!) { person(idcs: $i) { firstName } }",
      { i: elsewhere.idcs },
      cw,
    );
    expect(theirs.body.data?.person).toBeNull();
    expect(codes(theirs.body.errors)).toEqual(["FORBIDDEN"]);
  });

  it("lists only the case worker's region, whatever filter is asked", async () => {
    const { body } = await h.call<{ persons: { edges: { node: { address: { regionCode: string } } }[] } }>(
      "{ persons(first: 100) { edges { node { address { regionCode } } } } }",
      undefined,
      caseWorker(inRegion.regionCode),
    );
    const regions = new Set(body.data?.persons.edges.map((e) => e.node.address.regionCode));
    expect([...regions]).toEqual([inRegion.regionCode]);
  });

  it("finds by card number only within the case worker's region", async () => {
    const [mine] = await h.db.database.sql.query<{ idcs: string; cin: string; region_code: string }>(
      "SELECT idcs, cin, region_code FROM person WHERE cin IS NOT NULL ORDER BY idcs LIMIT 1",
    );
    const [theirs] = await h.db.database.sql.query<{ cin: string }>(
      "SELECT cin FROM person WHERE cin IS NOT NULL AND region_code <> $1 ORDER BY idcs LIMIT 1",
      [mine!.region_code],
    );
    const search = "query($c: String!) { persons(first: 5, filter: { cin: $c }) { edges { node { idcs } } } }";
    const cw = caseWorker(mine!.region_code);
    const found = await h.call<{ persons: { edges: { node: { idcs: string } }[] } }>(search, { c: mine!.cin }, cw);
    expect(found.body.data?.persons.edges).toEqual([{ node: { idcs: mine!.idcs } }]);
    const other = await h.call<{ persons: { edges: unknown[] } }>(search, { c: theirs!.cin }, cw);
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data?.persons.edges).toEqual([]);
  });

  it("refuses every person-level field to a statistics analyst", async () => {
    const { body } = await h.call("query($i: ID!) { person(idcs: $i) { idcs } }", { i: inRegion.idcs }, analyst);
    expect(body.data?.person).toBeNull();
    expect(codes(body.errors)).toEqual(["FORBIDDEN"]);
  });

  it("lets a citizen read themselves and nobody else", async () => {
    const citizen: Caller = { sub: "test:citizen", role: "CITIZEN", idcs: inRegion.idcs };
    const query = "query($i: ID!) { person(idcs: $i) { idcs } }";
    expect((await h.call(query, { i: inRegion.idcs }, citizen)).body.data?.person).toEqual({ idcs: inRegion.idcs });
    const other = await h.call(query, { i: elsewhere.idcs }, citizen);
    expect(other.body.data?.person).toBeNull();
    expect(codes(other.body.errors)).toEqual(["FORBIDDEN"]);
  });

  it("gives a payment institution a payee's names and CIN through a reference, and nothing else", async () => {
    const bank: Caller = { sub: "test:bank", agency: "BARID_BANK", role: "SYSTEM" };
    const { body } = await h.call<{ _entities: ({ firstName: string | null; birthDate: string | null } | null)[] }>(
      "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { firstName birthDate } } }",
      { r: [{ __typename: "Person", idcs: inRegion.idcs }] },
      bank,
    );
    expect(body.data?._entities[0]?.firstName).toEqual(expect.any(String));
    expect(body.data?._entities[0]?.birthDate).toBeNull();
    expect(codes(body.errors)).toEqual(["FORBIDDEN"]);
    const root = await h.call("query($i: ID!) { person(idcs: $i) { firstName } }", { i: inRegion.idcs }, bank);
    expect(root.body.data?.person).toBeNull();
    expect(codes(root.body.errors)).toEqual(["FORBIDDEN"]);
  });

  it("refuses a case worker's write about a person of another region before writing", async () => {
    const { body } = await h.call(
      `mutation($i: ID!) { recordDeath(idcs: $i, dateOfDeath: "2020-01-01") { person { idcs } } }`,
      { i: elsewhere.idcs },
      { ...caseWorker(inRegion.regionCode), agency: "ANR" },
    );
    expect(codes(body.errors)).toEqual(["FORBIDDEN"]);
    const [row] = await h.db.database.sql.query<{ life_status: string }>(
      "SELECT life_status FROM person WHERE idcs = $1",
      [elsewhere.idcs],
    );
    expect(row?.life_status).toBe("ALIVE");
  });
});
