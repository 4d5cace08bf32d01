import { createReads as aidReads } from "@spx/direct-aid/subgraph";
import { createReads as insuranceReads } from "@spx/health-insurance/subgraph";
import { createReads as populationReads } from "@spx/population/subgraph";
import type { KeyedQuery, KeyedReads } from "@spx/runtime/database";
import { createReads as registryReads } from "@spx/social-registry/subgraph";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

// The loaders read by key without Prisma's query compilation (PostgreSQL); what they read must be
// exactly what Prisma reads: same rows, same order, same value types (dates, decimals, enum lists,
// JSON). Compared here on the demo data of all four registers.
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "reads", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function column(db: { database: { sql: { query<R>(text: string): Promise<R[]> } } }, sql: string) {
  return (await db.database.sql.query<{ v: string }>(sql)).map((row) => row.v);
}

/** The fast read and Prisma's agree, on keys that exist and one that does not; one statement each. */
async function expectSame<Row>(
  reads: KeyedReads<Row>,
  query: KeyedQuery<Row>,
  statements: { count: number },
  minimumRows = 1,
) {
  const withMissing = { ...query, keys: [...query.keys, "00000000-0000-0000-0000-000000000000"] };
  const before = statements.count;
  const fast = await reads.find(withMissing);
  expect(statements.count - before).toBe(1);
  const reference = await reads.findWithPrisma(withMissing);
  expect(fast.length).toBeGreaterThanOrEqual(minimumRows);
  const sort = (rows: Row[]) =>
    query.orderBy ? rows : [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  expect(sort(fast)).toEqual(sort(reference));
  return fast;
}

describe("reads by key", () => {
  it("return what Prisma returns, in each register", async () => {
    const population = populationReads(system.population.prisma, system.population.database);
    const idcs = await column(
      system.populationDb,
      `(SELECT idcs AS v FROM person ORDER BY idcs LIMIT 150)
       UNION (SELECT idcs FROM person WHERE date_of_death IS NOT NULL ORDER BY idcs LIMIT 50)`,
    );
    const persons = await expectSame(
      population.person,
      { key: "idcs", keys: idcs },
      system.population.database.statements,
      151,
    );
    expect(persons.some((p) => p.dateOfDeath instanceof Date)).toBe(true);
    expect(persons.every((p) => p.birthDate instanceof Date && p.birthDate.getUTCHours() === 0)).toBe(true);

    const registry = registryReads(system.socialRegistry.prisma, system.socialRegistry.database);
    const statements = system.socialRegistry.database.statements;
    const households = await column(
      system.socialRegistryDb,
      "SELECT id::text AS v FROM household ORDER BY id LIMIT 100",
    );
    await expectSame(registry.household, { key: "id", keys: households }, statements, 100);
    // Each household's latest declaration alone (DISTINCT ON): a few households re-declared twice.
    const redeclared = households.slice(0, 20);
    // One transaction: one connection, which the temporary table lives on.
    await system.socialRegistryDb.database.sql.transaction(async (tx) => {
      for (const step of [
        "CREATE TEMP TABLE redeclared ON COMMIT DROP AS SELECT * FROM declaration WHERE household_id = ANY($1::uuid[])",
        "UPDATE redeclared SET id = gen_random_uuid(), version = version + 1, declared_by = 'test:again'",
        "INSERT INTO declaration SELECT * FROM redeclared",
        "UPDATE redeclared SET id = gen_random_uuid(), version = version + 1",
        "INSERT INTO declaration SELECT * FROM redeclared",
      ]) {
        await tx.query(step, step.includes("$1") ? [redeclared] : []);
      }
    });
    const latest = await expectSame(
      registry.declaration,
      { key: "householdId", keys: [...redeclared, ...households], orderBy: [["version", "desc"]], firstPerKey: true },
      statements,
      100,
    );
    expect(new Set(latest.map((d) => d.householdId)).size).toBe(latest.length);
    expect(latest.filter((d) => redeclared.includes(d.householdId)).map((d) => d.version)).toEqual(
      redeclared.map(() => 3),
    );
    await expectSame(
      registry.membership,
      {
        key: "householdId",
        keys: households,
        where: { until: null },
        orderBy: [
          ["since", "asc"],
          ["id", "asc"],
        ],
      },
      statements,
      100,
    );
    await expectSame(registry.membership, { key: "personIdcs", keys: idcs, where: { until: null } }, statements);
    const indices = await expectSame(
      registry.indexComputation,
      { key: "householdId", keys: households, where: { current: true } },
      statements,
      100,
    );
    expect(indices.every((i) => typeof i.score === "object" && i.score.toFixed(7).includes("."))).toBe(true);

    const insurance = insuranceReads(system.healthInsurance.prisma, system.healthInsurance.database);
    const insured = await column(
      system.healthInsuranceDb,
      "SELECT person_idcs AS v FROM coverage ORDER BY person_idcs LIMIT 200",
    );
    const affiliations = await column(
      system.healthInsuranceDb,
      "SELECT id::text AS v FROM affiliation ORDER BY id LIMIT 100",
    );
    const coverageStatements = system.healthInsurance.database.statements;
    await expectSame(
      insurance.coverage,
      { key: "personIdcs", keys: insured, where: { until: null } },
      coverageStatements,
      100,
    );
    await expectSame(
      insurance.coverage,
      {
        key: "affiliationId",
        keys: affiliations,
        orderBy: [
          ["since", "asc"],
          ["id", "asc"],
        ],
      },
      coverageStatements,
      100,
    );
    await expectSame(insurance.affiliation, { key: "id", keys: affiliations }, coverageStatements, 100);

    const aid = aidReads(system.directAid.prisma, system.directAid.database);
    const enrolled = await column(
      system.directAidDb,
      "SELECT household_id::text AS v FROM enrolment ORDER BY 1 LIMIT 100",
    );
    await expectSame(aid.enrolment, { key: "householdId", keys: enrolled }, system.directAid.database.statements, 1);
    // A household's payment orders and applications, as the loaders read them: within a case
    // worker's region, newest first.
    const [paid] = await system.directAidDb.database.sql.query<{ region_code: string }>(
      "SELECT region_code FROM payment_order GROUP BY region_code ORDER BY count(*) DESC LIMIT 1",
    );
    const region = paid?.region_code ?? "";
    await expectSame(
      aid.paymentOrder,
      {
        key: "householdId",
        keys: enrolled,
        where: { regionCode: region },
        orderBy: [
          ["month", "desc"],
          ["id", "asc"],
        ],
      },
      system.directAid.database.statements,
      10,
    );
    const applicants = await column(
      system.directAidDb,
      "SELECT household_id::text AS v FROM application ORDER BY 1 LIMIT 100",
    );
    await expectSame(
      aid.application,
      {
        key: "householdId",
        keys: applicants,
        orderBy: [
          ["decidedAt", "desc"],
          ["id", "asc"],
        ],
      },
      system.directAid.database.statements,
      1,
    );
  });
});
