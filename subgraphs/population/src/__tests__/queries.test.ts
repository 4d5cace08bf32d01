import { generatePersons } from "@spx/reference/demo/demo-population";
import { idcsFromBody } from "@spx/reference/idcs";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { analyst, type Harness, startPopulation } from "./harness.js";

const SEEDED = 400;
let h: Harness;

beforeAll(async () => {
  h = await startPopulation("queries");
  await seedDemoIfEmpty(h.app.prisma, { persons: SEEDED });
});
afterAll(async () => {
  await h?.stop();
});

interface Page {
  persons: {
    edges: { cursor: string; node: { idcs: string; lastName: string; address: { regionCode: string } } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String, $filter: PersonFilter) {
    persons(first: $first, after: $after, filter: $filter) {
      edges { cursor node { idcs lastName address { regionCode } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

async function allPages(filter?: Record<string, unknown>): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const response: Awaited<ReturnType<typeof h.call<Page>>> = await h.call<Page>(PAGE, { first: 37, after, filter });
    expect(response.body.errors).toBeUndefined();
    const page: Page["persons"] | undefined = response.body.data?.persons;
    seen.push(...(page?.edges.map((e) => e.node.idcs) ?? []));
    if (!page?.pageInfo.hasNextPage) {
      return seen;
    }
    after = page.pageInfo.endCursor;
  }
}

describe("demo seed", () => {
  it("is deterministic: the same seed gives the same people", () => {
    const a = [...generatePersons({ persons: 50 })].map((p) => [p.idcs, p.lastName, p.birthDate.toISOString()]);
    const b = [...generatePersons({ persons: 50 })].map((p) => [p.idcs, p.lastName, p.birthDate.toISOString()]);
    expect(a).toEqual(b);
    const other = [...generatePersons({ seed: 7, persons: 50 })].map((p) => p.idcs);
    expect(other).not.toEqual(a.map(([idcs]) => idcs));
  });

  it("does not seed twice", async () => {
    expect(await seedDemoIfEmpty(h.app.prisma, { persons: SEEDED })).toBe(0);
  });
});

describe("persons", () => {
  it("pages through everyone once, in IDCS order", async () => {
    const seen = await allPages();
    const [row] = await h.db.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
    expect(seen.length).toBe(row?.n);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it("filters by region and life status", async () => {
    const casablanca = await allPages({ regionCode: "06", lifeStatus: "ALIVE" });
    const [row] = await h.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM person WHERE region_code = '06' AND life_status = 'ALIVE'",
    );
    expect(casablanca.length).toBe(row?.n);
    expect(casablanca.length).toBeGreaterThan(0);
  });

  it("filters by family-name prefix, ignoring case and accents", async () => {
    const [sample] = await h.db.database.sql.query<{ last_name: string }>("SELECT last_name FROM person LIMIT 1");
    const prefix = (sample?.last_name ?? "").slice(0, 3).toUpperCase();
    const { body } = await h.call<Page>(PAGE, { first: 100, filter: { namePrefix: prefix } });
    const names = body.data?.persons.edges.map((e) => e.node.lastName) ?? [];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(
        name
          .normalize("NFD")
          .replace(/\p{M}/gu, "")
          .toUpperCase()
          .startsWith(prefix.normalize("NFD").replace(/\p{M}/gu, "")),
      ).toBe(true);
    }
  });

  it("finds the one person holding a card number, however it is typed", async () => {
    const [holder] = await h.db.database.sql.query<{ idcs: string; cin: string }>(
      "SELECT idcs, cin FROM person WHERE cin IS NOT NULL ORDER BY idcs LIMIT 1",
    );
    const typed = `${holder!.cin.slice(0, 2).toLowerCase()} ${holder!.cin.slice(2)}`;
    const { body } = await h.call<Page>(PAGE, { first: 5, filter: { cin: typed } });
    expect(body.errors).toBeUndefined();
    expect(body.data?.persons.edges.map((e) => e.node.idcs)).toEqual([holder!.idcs]);
    const nobody = await h.call<Page>(PAGE, { first: 5, filter: { cin: "ZZ99999999" } });
    expect(nobody.body.data?.persons.edges).toEqual([]);
  });

  it("refuses what cannot be a card number, without naming it back", async () => {
    for (const cin of ["12345678", "ABC12345", "AB1234", "' OR 1=1 --", ""]) {
      const { body } = await h.call<Page>(PAGE, { first: 5, filter: { cin } });
      expect(body.data?.persons ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(body.errors?.[0]?.extensions?.problems).toEqual([{ field: "filter.cin", message: expect.any(String) }]);
      if (cin) {
        expect(JSON.stringify(body)).not.toContain(cin);
      }
    }
  });

  it("refuses a page size over 100 and a forged cursor", async () => {
    const big = await h.call(PAGE, { first: 101 });
    expect(big.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const forged = await h.call(PAGE, { first: 5, after: "bm90LWEtY3Vyc29y" });
    expect(forged.body.errors?.[0]?.extensions?.code).toBe("BAD_CURSOR");
  });
});

describe("populationStatistics", () => {
  it("counts the living by region, with the living population as the total", async () => {
    const { body } = await h.call<{
      populationStatistics: { region: string | null; sex: null; count: number | null; isTotal: boolean }[];
    }>("{ populationStatistics(by: [REGION], totals: true) { region sex count isTotal } }", undefined, analyst);
    const cells = body.data?.populationStatistics ?? [];
    const [row] = await h.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM person WHERE life_status = 'ALIVE'",
    );
    const [total, ...others] = cells.filter((c) => c.isTotal);
    expect(others).toEqual([]);
    expect(total).toMatchObject({ region: null, count: row?.n });
    // Regions under the threshold are hidden (null): the published ones add up to less.
    const parts = cells.filter((c) => !c.isTotal);
    expect(parts.reduce((sum, c) => sum + (c.count ?? 0), 0)).toBeLessThanOrEqual(row?.n ?? 0);
    expect(parts.every((c) => /^(0[1-9]|1[0-2])$/.test(c.region ?? "") && c.sex === null)).toBe(true);
  });

  it("crosses sex and age band, and counts the deceased on request", async () => {
    const { body } = await h.call<{ populationStatistics: { sex: string; ageBand: string; count: number }[] }>(
      "{ populationStatistics(by: [SEX, AGE_BAND]) { sex ageBand count } }",
      undefined,
      analyst,
    );
    const cells = body.data?.populationStatistics ?? [];
    expect(new Set(cells.map((c) => c.sex))).toEqual(new Set(["MALE", "FEMALE"]));
    expect(cells.some((c) => c.ageBand === "0-4")).toBe(true);
    // The demo's few deceased: a count under the threshold, hidden and said so.
    const dead = await h.call<{
      populationStatistics: { count: number | null; suppressed: { measure: string; reason: string }[] }[];
    }>(
      "{ populationStatistics(by: [], lifeStatus: DECEASED) { count suppressed { measure reason } } }",
      undefined,
      analyst,
    );
    const [deceased] = await h.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM person WHERE life_status = 'DECEASED'",
    );
    const [cell] = dead.body.data?.populationStatistics ?? [];
    expect(deceased?.n).toBeGreaterThan(0);
    expect(cell).toEqual(
      (deceased?.n ?? 0) >= 10
        ? { count: deceased?.n, suppressed: [] }
        : { count: null, suppressed: [{ measure: "count", reason: "SMALL_COUNT" }] },
    );
  });
});

describe("reference resolution", () => {
  const ENTITIES = /* GraphQL */ `
    query Entities($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Person { idcs firstName } }
    }
  `;

  it("resolves 100 Person references with one SQL statement", async () => {
    const rows = await h.db.database.sql.query<{ idcs: string }>("SELECT idcs FROM person ORDER BY idcs LIMIT 100");
    const representations = rows.map(({ idcs }) => ({ __typename: "Person", idcs }));
    h.db.database.statements.count = 0;
    const { body } = await h.call<{ _entities: { idcs: string }[] }>(ENTITIES, { representations });
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((e) => e.idcs)).toEqual(rows.map((r) => r.idcs));
    expect(h.db.database.statements.count).toBe(1);
  });

  it("batches the legal representatives of 100 persons into one more statement", async () => {
    const rows = await h.db.database.sql.query<{ idcs: string }>(
      "SELECT idcs FROM person WHERE legal_representative_idcs IS NOT NULL LIMIT 100",
    );
    expect(rows.length).toBeGreaterThan(10);
    h.db.database.statements.count = 0;
    const { body } = await h.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { legalRepresentative { idcs } } } }`,
      { r: rows.map(({ idcs }) => ({ __typename: "Person", idcs })) },
    );
    expect(body.errors).toBeUndefined();
    expect(h.db.database.statements.count).toBe(2);
  });

  it("answers null for an unknown person among the references", async () => {
    const { body } = await h.call(ENTITIES, {
      representations: [{ __typename: "Person", idcs: idcsFromBody("744444444") }],
    });
    expect(body.data).toEqual({ _entities: [null] });
  });
});

describe("verifyIdentity", () => {
  const VERIFY = /* GraphQL */ `
    query Verify($idcs: ID!, $claims: IdentityClaimsInput!) {
      verifyIdentity(idcs: $idcs, claims: $claims) { matched attributes { attribute match } }
    }
  `;

  it("answers match or no-match per attribute, and nothing else", async () => {
    const [p] = await h.db.database.sql.query<{ idcs: string; first_name: string; birth_date: Date }>(
      "SELECT idcs, first_name, birth_date FROM person WHERE life_status = 'ALIVE' LIMIT 1",
    );
    const birthDate = (p?.birth_date ?? new Date(Number.NaN)).toISOString().slice(0, 10);
    const { body } = await h.call(VERIFY, {
      idcs: p?.idcs,
      claims: { firstName: p?.first_name.toUpperCase(), birthDate, lastName: "Nobody", alive: true },
    });
    expect(body.data).toEqual({
      verifyIdentity: {
        matched: false,
        attributes: [
          { attribute: "FIRST_NAME", match: true },
          { attribute: "LAST_NAME", match: false },
          { attribute: "BIRTH_DATE", match: true },
          { attribute: "ALIVE", match: true },
        ],
      },
    });
    expect(JSON.stringify(body)).not.toContain(p?.first_name);
  });

  it("answers no-match for an IDCS nobody holds, without saying so", async () => {
    const { body } = await h.call(VERIFY, { idcs: idcsFromBody("755555555"), claims: { firstName: "Mohamed" } });
    expect(body.data).toEqual({
      verifyIdentity: { matched: false, attributes: [{ attribute: "FIRST_NAME", match: false }] },
    });
  });

  it("requires at least one claim", async () => {
    const { body } = await h.call(VERIFY, { idcs: idcsFromBody("755555555"), claims: {} });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("access to the subgraph", () => {
  it("answers 401 without the gateway's token, including _service and _entities", async () => {
    for (const query of [
      "{ _service { sdl } }",
      "{ _entities(representations: []) { __typename } }",
      "{ __typename }",
    ]) {
      const response = await fetch(`${h.server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
    }
  });
});
