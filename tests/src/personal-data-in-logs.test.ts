import type { Caller } from "@spx/runtime/access";
import { caseWorker } from "./testkit/callers.js";
import { capturedLogs } from "./testkit/captured-logs.js";
import { PERSON_360, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import { leaked, PERSON_COLUMNS, type PersonRow, personalValuesOf } from "./testkit/personal-data.js";
import { type RunningSystem, startSystem, waitForSequenced } from "./testkit/start-system.js";

/*
 * The service logs of an end-to-end run, at the most verbose level, hold none of the personal data
 * the run served: no CIN, no name, no telephone, and no IDCS (IDCS belong in the access log only).
 */

const { logger, lines } = capturedLogs();

let system: RunningSystem;
let subject: ProgrammeSubject;

beforeAll(async () => {
  system = await startSystem({
    label: "pii_logs",
    seedPersons: 400,
    seedHouseholds: true,
    seedProgrammes: true,
    logger,
  });
  subject = await programmeSubject(system);
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

it("an end-to-end run leaves no CIN, name, telephone or IDCS of the persons it touched in the logs", async () => {
  const worker = caseWorker(subject.region, { sub: "anss:cw", purpose: "CASE_MANAGEMENT" });
  const [order] = await system.directAidDb.database.sql.query<{ month: string; institution: string }>(
    "SELECT month, institution FROM payment_order ORDER BY month DESC LIMIT 1",
  );
  const [known] = await system.populationDb.database.sql.query<{ idcs: string; cin: string; last_name: string }>(
    "SELECT idcs, cin, last_name FROM person WHERE cin IS NOT NULL AND region_code = $1 LIMIT 1",
    [subject.region],
  );
  const runs: [Caller, string, Record<string, unknown>?][] = [
    [worker, PERSON_360, { idcs: subject.idcs }],
    [worker, "{ persons(first: 20) { edges { node { idcs cin firstName lastName phone address { commune } } } } }"],
    [
      { sub: "cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" },
      "query($i: ID!) { person(idcs: $i) { firstName healthCoverage { regime } } eligibilityAttestation(idcs: $i, program: AMO_TADAMON) { jws } }",
      { i: subject.idcs },
    ],
    [
      { sub: "bank", agency: order?.institution as Caller["agency"], role: "SYSTEM", purpose: "ASD_PAYMENT" },
      "query($m: String!) { paymentOrders(month: $m, first: 50) { amount beneficiary { idcs cin firstName lastName } } }",
      { m: order?.month },
    ],
    [
      { sub: "anr", agency: "ANR", role: "SYSTEM", purpose: "IDENTITY_CHECK" },
      "query($i: ID!, $c: IdentityClaimsInput!) { verifyIdentity(idcs: $i, claims: $c) { matched } }",
      { i: known?.idcs, c: { cin: known?.cin, lastName: known?.last_name } },
    ],
    // Bad input carrying personal data must not be echoed into the logs either.
    [worker, "query($i: ID!) { person(idcs: $i) { firstName } }", { i: `${known?.cin}` }],
    [
      { sub: "citizen", role: "CITIZEN", idcs: subject.idcs, purpose: "SELF_SERVICE" },
      PERSON_360,
      { idcs: subject.idcs },
    ],
    [
      { sub: "citizen", role: "CITIZEN", idcs: subject.idcs, purpose: "SELF_SERVICE" },
      "{ myDataAccess(first: 10) { entries { agency purpose kindsOfData } } }",
    ],
    [
      { sub: "cndp", agency: "CNDP", role: "AUDITOR", purpose: "AUDIT" },
      "{ accessLog(first: 20) { entries { agency persons served } } }",
    ],
  ];
  for (const [caller, query, variables] of runs) {
    const { status } = await system.query(await system.token(caller), query, variables);
    expect(status).toBeLessThan(500);
  }

  // Everyone whose data the run served, as the access log records them.
  await waitForSequenced(system);
  const touched = await system.accessLogDb.database.sql.query<{ idcs: string }>(
    "SELECT DISTINCT unnest(persons) AS idcs FROM access_log",
  );
  expect(touched.length).toBeGreaterThan(20);
  const persons = await system.populationDb.database.sql.query<PersonRow>(
    `SELECT ${PERSON_COLUMNS} FROM person WHERE idcs = ANY($1)`,
    [touched.map((t) => t.idcs)],
  );
  expect(persons.length).toBe(touched.length);
  // Every service logged something of this run: the scan looks at all of them.
  const services = new Set(lines.map((line) => (JSON.parse(line) as { service?: string }).service));
  expect([...services]).toEqual(
    expect.arrayContaining(["gateway", "population", "social-registry", "health-insurance", "direct-aid"]),
  );
  expect(leaked(personalValuesOf(persons), lines.join("\n"))).toEqual([]);
});
