import { DEFAULT_RESILIENCE } from "@spx/gateway/edge/resilience-settings";
import type { Caller } from "@spx/runtime/access";
import { declare, livingConditions, registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * A decision that needs another register's facts is never made without them: with the population
 * register down, the gateway serves the social register's household with its members' facts
 * missing (SUBGRAPH_UNAVAILABLE at their paths), and the insurer refuses to decide.
 */

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
const ENROLL = /* GraphQL */ `
  mutation($id: ID!) { enrollAmoTadamon(householdId: $id) { affiliation { id } } }
`;

let system: RunningSystem;

beforeAll(async () => {
  // The insurer's own answer is what is tested: its call from the gateway is given longer than its
  // wait for the population register, so that a loaded machine cannot turn the insurer's typed
  // refusal into the gateway's SUBGRAPH_UNAVAILABLE (seen once in CI at the default 3 s).
  system = await startSystem({
    label: "dependency_unavailable",
    resilience: {
      ...DEFAULT_RESILIENCE,
      requestTimeoutMs: 30_000,
      subgraphTimeoutsMs: { "health-insurance": 20_000 },
    },
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function poorHousehold(registrar: string, name: string): Promise<string> {
  const head = await registerPerson(system, registrar, { firstName: name, birthDate: "1979-05-05" });
  const spouse = await registerPerson(system, registrar, {
    firstName: `${name}Spouse`,
    birthDate: "1977-05-05",
    sex: "MALE",
  });
  const household = await registerHousehold(system, registrar, head, [{ idcs: spouse, relationship: "SPOUSE" }]);
  await declare(
    system,
    registrar,
    household,
    livingConditions("POOR", [{ idcs: head }, { idcs: spouse, occupation: "HOMEMAKER" }]),
  );
  return household;
}

it("refuses an AMO-Tadamon enrolment with DEPENDENCY_UNAVAILABLE while the population register is down", async () => {
  const registrar = await system.token(anr);
  const insurer = await system.token(cnss);
  const enrolled = await poorHousehold(registrar, "Nadia");
  const waiting = await poorHousehold(registrar, "Salma");
  // The same kind of household is enrolled while every register answers.
  const before = await system.query(insurer, ENROLL, { id: enrolled });
  expect(before.body.errors).toBeUndefined();
  await system.stopPopulation();
  const { body } = await system.query(insurer, ENROLL, { id: waiting });
  expect(body.data?.enrollAmoTadamon ?? null).toBeNull();
  expect(body.errors?.map((e) => e.extensions?.code)).toEqual(["DEPENDENCY_UNAVAILABLE"]);
  expect(await system.healthInsurance.prisma.affiliation.count()).toBe(1);
});
