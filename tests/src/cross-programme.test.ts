import { caseWorker } from "./testkit/callers.js";
import { PERSON_360, type Person360, programmeSubject } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "xprog", seedPersons: 800, seedHouseholds: true, seedProgrammes: true });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function ask(idcs: string, region: string) {
  const token = await system.token(caseWorker(region, { sub: "cw" }));
  const { body } = await system.query<Person360>(token, PERSON_360, { idcs });
  expect(body.errors).toBeUndefined();
  return body.data?.person;
}

describe("the cross-programme view of a person, from all four registers", () => {
  it("shows a Tadamon and direct-aid household: identity, household, index, coverage, aid and payments", async () => {
    const both = await programmeSubject(system);
    const person = await ask(both.idcs, both.region);
    expect(person?.healthCoverage).toEqual({
      regime: "AMO_TADAMON",
      role: "PRINCIPAL",
      payer: "STATE",
      status: "ACTIVE",
    });
    expect(person?.household?.id).toBe(both.householdId);
    expect(Number(person?.household?.socioEconomicIndex?.score)).toBeLessThanOrEqual(9.3264284);
    expect(
      person?.household?.eligibility
        .filter((e) => e.eligible)
        .map((e) => e.program)
        .sort(),
    ).toEqual(["AMO_TADAMON", "DIRECT_AID"]);
    expect(person?.household?.eligibilityExplanation?.summary).toMatch(/so it is eligible/);
    expect(person?.household?.directAid?.status).toBe("ACTIVE");
    expect(Number(person?.household?.directAid?.monthlyEntitlement.amount)).toBeGreaterThanOrEqual(500);
    expect(person?.household?.directAid?.payments.length).toBeGreaterThan(0);
  });

  it("shows a salaried family: coverage through the employer, no aid", async () => {
    const [salaried] = await system.healthInsuranceDb.database.sql.query<{
      principal_idcs: string;
      region_code: string;
    }>(
      "SELECT principal_idcs, region_code FROM affiliation WHERE regime = 'AMO_SALARIED' ORDER BY principal_idcs LIMIT 1",
    );
    const person = await ask(salaried?.principal_idcs ?? "", salaried?.region_code ?? "01");
    expect(person?.healthCoverage).toMatchObject({ regime: "AMO_SALARIED", role: "PRINCIPAL", payer: "EMPLOYER" });
    expect(person?.household?.socioEconomicIndex?.score).toMatch(/^\d+\.\d{7}$/);
    const dependant = person?.household?.members.find((m) => m.relationship === "CHILD");
    if (dependant) {
      const child = await ask(dependant.person.idcs, salaried?.region_code ?? "01");
      expect(child?.healthCoverage?.role).toMatch(/DEPENDANT|PRINCIPAL/);
    }
  });

  it("shows a foreign resident like anyone else", async () => {
    const [foreigner] = await system.populationDb.database.sql.query<{ idcs: string; region_code: string }>(
      "SELECT idcs, region_code FROM person WHERE residency_status = 'FOREIGN_RESIDENT' AND life_status = 'ALIVE' AND legal_representative_idcs IS NULL ORDER BY idcs LIMIT 1",
    );
    expect(foreigner).toBeDefined();
    const person = await ask(foreigner?.idcs ?? "", foreigner?.region_code ?? "01");
    expect(person?.residencyStatus).toBe("FOREIGN_RESIDENT");
    expect(person?.household?.members.some((m) => m.person.idcs === foreigner?.idcs)).toBe(true);
    expect(person?.household?.eligibility.length).toBe(3);
  });
});
