import { readFileSync } from "node:fs";
import { supergraphAccess } from "@spx/gateway/access-report";
import { type Caller, catalogue, grantKey } from "@spx/runtime/access";
import { recordEvent } from "@spx/runtime/events";
import { ACCESS_POLICY_FILE } from "@spx/schema";
import {
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLType,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import { programmeSubject } from "./testkit/fixtures.js";
import { type RunningSystem, SUPERGRAPH, startSystem, waitForSequenced } from "./testkit/start-system.js";

/*
 * The access-policy table, cell by cell, through the gateway on real data: for every agency and
 * role and every field of the supergraph, a query proves the field is served where the table says
 * ✓ and refused (null + FORBIDDEN) where it says ·. The table is read from schema/access-policy.md;
 * a field of the supergraph missing from it, or from the routes below, fails the test.
 */

const POLICY_MD = ACCESS_POLICY_FILE;

interface Matrix {
  grants: string[];
  cells: Map<string, Map<string, boolean>>;
}

function readMatrix(markdown: string): Matrix {
  const cells = new Map<string, Map<string, boolean>>();
  let grants: string[] = [];
  let type = "";
  for (const line of markdown.split("\n")) {
    const heading = /^### (\w+)$/.exec(line);
    if (heading) {
      type = heading[1] ?? "";
      continue;
    }
    if (!type || !line.startsWith("|")) {
      continue;
    }
    const columns = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    if (columns[0] === "Field") {
      grants = columns.slice(2);
      continue;
    }
    if (columns[0]?.startsWith("---")) {
      continue;
    }
    const row = new Map<string, boolean>();
    for (const [i, grant] of grants.entries()) {
      row.set(grant, columns[i + 2] === "✓");
    }
    cells.set(`${type}.${columns[0]}`, row);
  }
  return { grants, cells };
}

const matrix = readMatrix(readFileSync(POLICY_MD, "utf8"));
const supergraph = supergraphAccess(readFileSync(SUPERGRAPH, "utf8"), catalogue());
const schema = supergraph.schema;

/** The demo data every grant is asked about: one household in both programmes, and its head. */
interface Subject {
  idcs: string;
  region: string;
  householdId: string;
  affiliationId: string;
  month: string;
  /** For each payment institution, a month in which it has orders. */
  institutionMonths: Record<string, string>;
}

interface Step {
  field: string;
  args?: string;
}

/** How to reach an object of each type from a root field; the first route a grant can walk is used. */
function routes(s: Subject): Record<string, Step[][]> {
  const person = { field: "person", args: `(idcs: "${s.idcs}")` };
  const household = { field: "household", args: `(id: "${s.householdId}")` };
  // A few orders: a whole page of beneficiaries with every Person field is over a payment agency's budget.
  const payee = [{ field: "paymentOrders", args: `(month: "$MONTH", first: 5)` }, { field: "beneficiary" }];
  return {
    Person: [[person], payee],
    Address: [[person, { field: "address" }]],
    Marriage: [[person, { field: "marriages" }]],
    Guardianship: [[person, { field: "wards" }]],
    Disability: [[person, { field: "disability" }]],
    CivilStatusRecord: [[person, { field: "civilStatusHistory" }]],
    Household: [[household], [person, { field: "household" }]],
    HouseholdMember: [[household, { field: "members" }]],
    Declaration: [[household, { field: "declaration" }]],
    MemberDetail: [[household, { field: "declaration" }, { field: "members" }]],
    ItemVerification: [[household, { field: "declaration" }, { field: "verification" }]],
    SocioEconomicIndex: [[household, { field: "socioEconomicIndex" }]],
    IndexContribution: [[household, { field: "socioEconomicIndex" }, { field: "contributions" }]],
    ProgramEligibility: [[household, { field: "eligibility" }]],
    EligibilityExplanation: [[household, { field: "eligibilityExplanation", args: "(program: DIRECT_AID)" }]],
    ExplanationFactor: [
      [household, { field: "eligibilityExplanation", args: "(program: DIRECT_AID)" }, { field: "factors" }],
    ],
    IndexRevisionRequest: [[{ field: "overdueIndexRevisions" }]],
    HealthCoverage: [[person, { field: "healthCoverage" }]],
    Affiliation: [[{ field: "affiliation", args: `(id: "${s.affiliationId}")` }]],
    CoveredPerson: [[{ field: "affiliation", args: `(id: "${s.affiliationId}")` }, { field: "covered" }]],
    DirectAid: [[household, { field: "directAid" }]],
    MonthlyEntitlement: [[household, { field: "directAid" }, { field: "monthlyEntitlement" }]],
    EntitlementComponent: [
      [household, { field: "directAid" }, { field: "monthlyEntitlement" }, { field: "components" }],
    ],
    DirectAidApplication: [[household, { field: "directAidApplications" }]],
    PaymentOrder: [
      [{ field: "paymentOrders", args: `(month: "$MONTH")` }],
      [household, { field: "directAid" }, { field: "payments" }],
    ],
    PersonConnection: [[{ field: "persons", args: "(first: 2)" }]],
    PersonEdge: [[{ field: "persons", args: "(first: 2)" }, { field: "edges" }]],
    PageInfo: [[{ field: "persons", args: "(first: 2)" }, { field: "pageInfo" }]],
    IdentityVerification: [[{ field: "verifyIdentity", args: `(idcs: "${s.idcs}", claims: { lastName: "X" })` }]],
    AttributeMatch: [
      [{ field: "verifyIdentity", args: `(idcs: "${s.idcs}", claims: { lastName: "X" })` }, { field: "attributes" }],
    ],
    StatisticCell: [[{ field: "populationStatistics", args: "(by: [REGION])" }]],
    HouseholdStatisticCell: [[{ field: "householdStatistics", args: "(by: [REGION])" }]],
    IndexBand: [[{ field: "indexDistribution" }]],
    // Every combination of the four dimensions over the test's few persons: cells of a handful are hidden.
    Suppression: [
      [{ field: "populationStatistics", args: "(by: [REGION, SEX, AGE_BAND, MILIEU])" }, { field: "suppressed" }],
    ],
    CoverageStatisticCell: [[{ field: "coverageStatistics", args: "(by: [REGIME])" }]],
    DirectAidStatisticCell: [[{ field: "directAidStatistics", args: "(by: [REGION])" }]],
    PaymentReconciliation: [[{ field: "paymentReconciliation", args: `(month: "${s.month}")` }]],
    EligibilityAttestation: [[{ field: "eligibilityAttestation", args: `(idcs: "${s.idcs}", program: AMO_TADAMON)` }]],
    // Earlier grants' reads of the subject are in the log by the time the auditor and the citizen ask.
    DataAccessPage: [[{ field: "myDataAccess" }]],
    DataAccess: [[{ field: "myDataAccess" }, { field: "entries" }]],
    AccessLogPage: [[{ field: "accessLog" }]],
    AccessLogEntry: [[{ field: "accessLog" }, { field: "entries" }]],
    AccessProof: [
      [{ field: "myDataAccess" }, { field: "entries" }, { field: "proof" }],
      [{ field: "accessLog" }, { field: "entries" }, { field: "proof" }],
    ],
    AccessLogCheckpoint: [[{ field: "accessLogCheckpoint" }]],
    PopulationEvent: [[{ field: "populationEvents" }]],
    AidNotice: [[household, { field: "aidNotices" }], [person, { field: "aidNotices" }], [{ field: "aidNotices" }]],
    AmoNotice: [[person, { field: "amoNotices" }], [{ field: "amoNotices" }]],
    AidEventReaction: [[{ field: "aidEventReactions" }]],
    AmoEventReaction: [[{ field: "amoEventReactions" }]],
    DirectAidAppeal: [[household, { field: "directAidApplications" }, { field: "appeal" }]],
    Enrolment: [[household, { field: "declaration" }, { field: "members" }, { field: "enrolment" }]],
    SocialRegistryEvent: [[{ field: "socialRegistryEvents" }]],
  };
}

/** Arguments of fields reached on the way; root fields take theirs from the routes. */
function fieldArgs(s: Subject): Record<string, string> {
  return {
    "Query.person": `(idcs: "${s.idcs}")`,
    "Query.people": `(idcs: ["${s.idcs}"])`,
    "Query.persons": "(first: 2)",
    "Query.household": `(id: "${s.householdId}")`,
    "Query.households": `(ids: ["${s.householdId}"])`,
    "Query.affiliation": `(id: "${s.affiliationId}")`,
    "Query.verifyIdentity": `(idcs: "${s.idcs}", claims: { lastName: "X" })`,
    "Query.populationStatistics": "(by: [REGION])",
    "Query.householdStatistics": "(by: [REGION])",
    "Query.coverageStatistics": "(by: [REGIME])",
    "Query.directAidStatistics": "(by: [REGION])",
    "Query.paymentReconciliation": `(month: "${s.month}")`,
    "Query.paymentOrders": `(month: "$MONTH")`,
    "Query.eligibilityAttestation": `(idcs: "${s.idcs}", program: AMO_TADAMON)`,
    "Query.accessLogConsistency": '(from: "0", to: "1")',
    "Household.eligibilityExplanation": "(program: DIRECT_AID)",
    "DirectAid.payments": "(last: 12)",
  };
}

/**
 * Mutations are asked with arguments that their own validation refuses, so that nothing is written:
 * a granted caller gets any answer but FORBIDDEN, a refused one gets FORBIDDEN.
 */
function mutationArgs(s: Subject): Record<string, string> {
  const address = `{ regionCode: "${s.region}", province: "P", commune: "C", milieu: URBAN }`;
  return {
    "Mutation.registerPerson": `(input: { firstName: "", lastName: "", firstNameAr: "", lastNameAr: "", sex: FEMALE, birthDate: "2999-01-01", birthPlace: "", nationality: "MAR", residencyStatus: CITIZEN, address: ${address}, registrationCentre: "" })`,
    "Mutation.recordDeath": `(idcs: "${s.idcs}", dateOfDeath: "2999-01-01")`,
    "Mutation.recordMarriage": `(input: { husbandIdcs: "1", wifeIdcs: "1", since: "2999-01-01", sourceDocument: "" })`,
    "Mutation.recordMarriageEnd": `(marriageId: "x", endedOn: "2999-01-01", reason: DIVORCE, sourceDocument: "")`,
    "Mutation.recordFiliation": `(input: { childIdcs: "1", sourceDocument: "" })`,
    "Mutation.recordDisability": `(input: { idcs: "1", certifyingAuthority: "", certifiedOn: "2999-01-01", permanentIncapacity: false, sourceDocument: "" })`,
    "Mutation.recordGuardianship": `(input: { kind: KAFALA, childIdcs: "1", guardianIdcs: "1", since: "2999-01-01", sourceDocument: "" })`,
    "Mutation.endGuardianship": `(id: "x", until: "2999-01-01")`,
    "Mutation.changeAddress": `(idcs: "${s.idcs}", address: { regionCode: "99", province: "P", commune: "C", milieu: URBAN })`,
    "Mutation.registerHousehold": `(input: { headIdcs: "1", members: [], address: ${address} })`,
    "Mutation.addHouseholdMember": `(householdId: "${s.householdId}", member: { idcs: "1", relationship: CHILD })`,
    "Mutation.removeHouseholdMember": `(householdId: "${s.householdId}", idcs: "1")`,
    "Mutation.moveHouseholdMember": `(idcs: "1", toHouseholdId: "${s.householdId}", relationship: CHILD)`,
    "Mutation.declareLivingConditions": `(householdId: "${s.householdId}", input: { housingType: HOUSE, rooms: -1, occupancy: OWNER, waterConnected: true, electricityConnected: true, electricitySpending: "0", waterSpending: "0", telephoneSpending: "0", gasSpending: "0", durableGoods: [], members: [] })`,
    "Mutation.requestIndexRevision": `(householdId: "${s.householdId}", reason: "")`,
    "Mutation.resolveIndexRevision": `(id: "00000000-0000-0000-0000-000000000000", outcome: ACCEPTED, note: "")`,
    "Mutation.enrollAmoTadamon": `(householdId: "00000000-0000-0000-0000-000000000000")`,
    "Mutation.registerAffiliation": `(input: { principalIdcs: "1", regime: AMO_SALARIED })`,
    "Mutation.closeCoverageOfDeceased": "",
    "Mutation.suspendAffiliation": `(id: "00000000-0000-0000-0000-000000000000", reason: "")`,
    "Mutation.reinstateAffiliation": `(id: "00000000-0000-0000-0000-000000000000", reason: "")`,
    "Mutation.closeAffiliation": `(id: "00000000-0000-0000-0000-000000000000", reason: "")`,
    "Mutation.applyForDirectAid": `(householdId: "00000000-0000-0000-0000-000000000000", input: { otherFamilyAllowance: false, paymentInstitution: BARID_BANK })`,
    "Mutation.appealDirectAidDecision": `(applicationId: "00000000-0000-0000-0000-000000000000", reason: "")`,
    "Mutation.decideDirectAidAppeal": `(applicationId: "00000000-0000-0000-0000-000000000000", decision: REJECT, reasons: [])`,
    "Mutation.recordAchamilContribution": `(affiliationId: "00000000-0000-0000-0000-000000000000", month: "not-a-month", paidOn: "2999-01-01", amountCentimes: -1)`,
    "Mutation.runMonthlyPayments": `(month: "not-a-month")`,
    "Mutation.recordPaymentOutcome": `(orderId: "00000000-0000-0000-0000-000000000000", outcome: PAID, reference: "")`,
  };
}

function callerFor(key: string, s: Subject): Caller {
  if (key === "CITIZEN") {
    return { sub: "matrix:citizen", role: "CITIZEN", idcs: s.idcs };
  }
  const [agency, role] = key.split("/") as [Caller["agency"], Caller["role"]];
  return {
    sub: `matrix:${key}`,
    agency,
    role,
    ...(role === "CASE_WORKER" ? { region: s.region as Caller["region"] } : {}),
  };
}

function listLevels(type: GraphQLType): number {
  let levels = 0;
  let current = type;
  while (isNonNullType(current) || isListType(current)) {
    levels += isListType(current) ? 1 : 0;
    current = current.ofType;
  }
  return levels;
}

function fieldOf(type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> {
  const field = type.getFields()[name];
  if (!field) {
    throw new Error(`${type.name}.${name} is not in the supergraph: update the routes`);
  }
  return field;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The objects found at a path, lists flattened: where the asked fields should be. */
function objectsAt(data: Json | undefined, path: string[]): Record<string, Json>[] {
  let current: Json[] = data === undefined ? [] : [data];
  for (const segment of path) {
    const next: Json[] = [];
    for (const value of current) {
      if (segment === "@") {
        if (Array.isArray(value)) {
          next.push(...value);
        }
      } else if (value && typeof value === "object" && !Array.isArray(value)) {
        const child = value[segment];
        if (child !== undefined) {
          next.push(child);
        }
      }
    }
    current = next;
  }
  return current.filter((v): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v));
}

interface Probe {
  query: string;
  /** Response path of each step, with "@" for list levels. */
  stepPaths: string[][];
  stepCoordinates: string[];
  targetPath: string[];
}

function probe(
  type: GraphQLObjectType,
  route: Step[],
  fields: string[],
  args: Record<string, string>,
  operation: string,
): Probe {
  let parent = schema.getQueryType() as GraphQLObjectType;
  if (operation === "mutation") {
    parent = schema.getMutationType() as GraphQLObjectType;
  }
  const stepPaths: string[][] = [];
  const stepCoordinates: string[] = [];
  let path: string[] = [];
  let open = "";
  let close = "";
  for (const step of route) {
    const field = fieldOf(parent, step.field);
    stepCoordinates.push(`${parent.name}.${step.field}`);
    stepPaths.push([...path, step.field]);
    path = [...path, step.field, ...Array.from({ length: listLevels(field.type) }, () => "@")];
    open += `${step.field}${step.args ?? ""} { `;
    close += " }";
    const named = getNamedType(field.type);
    if (!isObjectType(named)) {
      throw new Error(`route through ${parent.name}.${step.field} does not reach an object`);
    }
    parent = named;
  }
  if (parent !== type) {
    throw new Error(`route for ${type.name} ends at ${parent.name}`);
  }
  const selections = fields.map((name) => {
    const field = fieldOf(type, name);
    const sub = isCompositeType(getNamedType(field.type)) ? " { __typename }" : "";
    return `${name}${args[`${type.name}.${name}`] ?? ""}${sub}`;
  });
  return {
    query: `${operation} { ${open}${selections.join(" ")}${close} }`,
    stepPaths,
    stepCoordinates,
    targetPath: path,
  };
}

/**
 * Persons reached through a civil-status link: another person's row. A citizen reads their own
 * marriages and wards, but their spouse's or ward's record stays under Person's row policy (self),
 * like another member of their household: refused there, as the table's row policy says.
 */
const OTHER_PERSON = new Set([
  "Marriage.spouse",
  "Guardianship.child",
  "Guardianship.guardian",
  "Person.mother",
  "Person.father",
]);

const normalise = (path: readonly (string | number)[] | undefined) =>
  (path ?? []).map((p) => (typeof p === "number" ? "@" : p)).join(".");

let system: RunningSystem;
let subject: Subject;

beforeAll(async () => {
  system = await startSystem({ label: "matrix", seedPersons: 800, seedHouseholds: true, seedProgrammes: true });
  const aid = system.directAidDb.database.sql;
  const chosen = await programmeSubject(system);
  const [latest] = await aid.query<{ month: string }>(
    "SELECT max(month) AS month FROM payment_order WHERE household_id = $1",
    [chosen.householdId],
  );
  const institutionMonths: Record<string, string> = {};
  for (const row of await aid.query<{ institution: string; month: string }>(
    "SELECT institution, max(month) AS month FROM payment_order GROUP BY institution",
  )) {
    institutionMonths[row.institution] = row.month;
  }
  subject = { ...chosen, month: latest?.month ?? "", institutionMonths };
  // Civil-status facts of the subject, so that every civil field can be shown served: a disability,
  // a ward in their region, and a marriage when the demo gave them none.
  const population = system.populationDb.database.sql;
  await population.query(
    `INSERT INTO disability (idcs, certifying_authority, certified_on, permanent_incapacity, diagnosis, source_document, recorded_by, recorded_by_subject)
     VALUES ($1::char(10), 'matrix', DATE '2024-01-01', true, 'matrix', 'matrix', 'ANR/SYSTEM', 'matrix') ON CONFLICT (idcs) DO NOTHING`,
    [chosen.idcs],
  );
  await population.query(
    `INSERT INTO guardianship (id, kind, child_idcs, guardian_idcs, since, source_document, recorded_by, recorded_by_subject)
     SELECT gen_random_uuid(), 'LEGAL_GUARDIANSHIP', idcs, $1::char(10), DATE '2025-01-01', 'matrix', 'ANR/SYSTEM', 'matrix'
     FROM person WHERE region_code = $2 AND idcs <> $1::char(10) ORDER BY birth_date DESC LIMIT 1`,
    [chosen.idcs, chosen.region],
  );
  await population.query(
    `INSERT INTO marriage (id, husband_idcs, wife_idcs, since, source_document, recorded_by, recorded_by_subject)
     SELECT gen_random_uuid(), CASE WHEN s.sex = 'MALE' THEN s.idcs ELSE o.idcs END, CASE WHEN s.sex = 'MALE' THEN o.idcs ELSE s.idcs END,
            DATE '2010-01-01', 'matrix', 'ANR/SYSTEM', 'matrix'
     FROM person s JOIN person o ON o.region_code = s.region_code AND o.sex <> s.sex AND o.life_status = 'ALIVE'
     WHERE s.idcs = $1::char(10) AND NOT EXISTS (SELECT 1 FROM marriage m WHERE m.husband_idcs = $1::char(10) OR m.wife_idcs = $1::char(10))
     ORDER BY o.idcs LIMIT 1`,
    [chosen.idcs],
  );
  await population.query(
    `INSERT INTO civil_status_record (subject_idcs, kind, fact_id, recorded_by, recorded_by_subject, source_document, summary, data)
     VALUES ($1::char(10), 'DISABILITY_RECOGNISED', $1::text, 'ANR/SYSTEM', 'matrix', 'matrix', 'matrix', '{}')`,
    [chosen.idcs],
  );
  // An overdue revision request of the subject's household, so that its fields can be shown served.
  await system.socialRegistryDb.database.sql.query(
    `INSERT INTO revision_request (id, household_id, region_code, reason, requested_by, requested_at, due_at, status)
     VALUES (gen_random_uuid(), $1, $2, 'matrix', 'matrix', now() - interval '40 days', now() - interval '10 days', 'OPEN')`,
    [subject.householdId, subject.region],
  );
  // A notice, a reaction and a refused application under appeal in each programme, and a declared
  // enrolment, so that the life-cycle types' fields can be shown served.
  const insurance = system.healthInsuranceDb.database.sql;
  for (const sql of [aid, insurance]) {
    await sql.query(
      `INSERT INTO event_reaction (id, event_id, event_type, source, action, subject, detail)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'test.matrix', 'population', 'NONE', $1, '{}')`,
      [subject.idcs],
    );
  }
  await aid.query(
    `INSERT INTO aid_notice (id, household_id, region_code, head_idcs, payee_idcs, kind, reason, effective_on, contest, cause)
     VALUES (gen_random_uuid(), $1, $2, $3::char(10), $3::char(10), 'SUSPENSION', 'matrix', CURRENT_DATE + 30, 'matrix', 'matrix')`,
    [subject.householdId, subject.region, subject.idcs],
  );
  await insurance.query(
    `INSERT INTO notice (id, affiliation_id, household_id, principal_idcs, region_code, kind, reason, effective_on, contest, cause)
     VALUES (gen_random_uuid(), $1, $2, $3::char(10), $4, 'SUSPENSION', 'matrix', CURRENT_DATE + 30, 'matrix', 'matrix')`,
    [subject.affiliationId, subject.householdId, subject.idcs, subject.region],
  );
  const [application] = await aid.query<{ id: string }>(
    `INSERT INTO application (id, household_id, region_code, head_idcs, status, reasons, other_family_allowance, decided_at, appeal_deadline)
     VALUES (gen_random_uuid(), $1, $2, $3::char(10), 'REFUSED', ARRAY['matrix'], false, now() - interval '20 days', now() - interval '5 days')
     RETURNING id`,
    [subject.householdId, subject.region, subject.idcs],
  );
  await aid.query(
    `INSERT INTO appeal (id, application_id, reason, filed_at, answer_due)
     VALUES (gen_random_uuid(), $1, 'matrix appeal', now() - interval '10 days', now() + interval '20 days')`,
    [application?.id],
  );
  await system.socialRegistryDb.database.sql.query(
    `UPDATE declaration SET member_details = jsonb_set(member_details, '{0,enrolment}',
       '{"level": "HIGHER", "institutionType": "PUBLIC", "schoolYear": "2026-2027"}'::jsonb)
     WHERE household_id = $1 AND jsonb_array_length(member_details) > 0`,
    [subject.householdId],
  );
  // An event in each register's feed, positioned, so that the feeds' fields can be shown served.
  // Of a type no register reacts to, and only the producers' relays run: nothing reacts to it.
  await system.population.prisma.$transaction((tx) =>
    recordEvent(tx, { type: "test.matrix", subject: subject.idcs, data: { idcs: subject.idcs } }),
  );
  await system.socialRegistry.prisma.$transaction((tx) =>
    recordEvent(tx, { type: "test.matrix", subject: subject.householdId, data: { householdId: subject.householdId } }),
  );
  await system.population.events.drain();
  await system.socialRegistry.events.drain();
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

describe("the access-policy table", () => {
  it("covers every field of the supergraph, and every grant of the catalogue", () => {
    expect([...matrix.cells.keys()].sort()).toEqual([...supergraph.coordinates].sort());
    expect(matrix.grants).toEqual(catalogue().grants.map((g) => grantKey(g.agency, g.role)));
  });

  it.each(matrix.grants)("holds, field by field, through the gateway for %s", async (grant) => {
    const allowed = (coordinate: string) => matrix.cells.get(coordinate)?.get(grant) === true;
    const caller = callerFor(grant, subject);
    // The earlier grants' reads in a checkpoint, so that their entries carry proofs.
    await waitForSequenced(system);
    // The table is about grants: each probe is asked by another official of the grant, since one
    // official asking some seventy questions a second is (rightly) refused by the subject's rate limit.
    let probes = 0;
    const nextToken = () => system.token({ ...caller, sub: `${caller.sub}:${++probes}` });
    const month = subject.institutionMonths[caller.agency ?? ""] ?? subject.month;
    const args = Object.fromEntries(
      Object.entries(fieldArgs(subject)).map(([k, v]) => [k, v.replace("$MONTH", month)]),
    );
    const failures: string[] = [];
    const checked = new Set<string>();

    const run = async (
      type: GraphQLObjectType,
      route: Step[],
      fields: string[],
      operation: string,
      proveServed: boolean,
    ) => {
      const resolvedRoute = route.map((step) => ({ ...step, args: step.args?.replace("$MONTH", month) }));
      const p = probe(type, resolvedRoute, fields, operation === "mutation" ? mutationArgs(subject) : args, operation);
      const { body } = await system.query<Json>(await nextToken(), p.query);
      const errors = body.errors ?? [];
      const forbiddenAt = new Set(
        errors.filter((e) => e.extensions?.code === "FORBIDDEN").map((e) => normalise(e.path)),
      );
      const refusedStep = p.stepCoordinates.findIndex((c) => !allowed(c));
      for (const name of fields) {
        const coordinate = `${type.name}.${name}`;
        checked.add(coordinate);
        const fieldPath = [...p.targetPath, name].join(".");
        if (refusedStep >= 0) {
          // Refused on the way: the whole branch is null and refused where the route was refused.
          if (!forbiddenAt.has(p.stepPaths[refusedStep]?.join(".") ?? "")) {
            failures.push(`${coordinate}: expected FORBIDDEN at ${p.stepPaths[refusedStep]?.join(".")} (${p.query})`);
          }
          continue;
        }
        const parents = objectsAt(body.data ?? undefined, p.targetPath);
        if (allowed(coordinate)) {
          // FORBIDDEN at a list item is a row refused (another member of a citizen's household),
          // not this field: the field is granted if it is served on the rows that are allowed.
          const rowRefused = (path: string) => path.endsWith(".@") && parents.length > 0;
          const otherRow = OTHER_PERSON.has(coordinate) && !caller.agency && forbiddenAt.has(fieldPath);
          if (otherRow) {
            continue;
          }
          if (
            forbiddenAt.has(fieldPath) ||
            [...forbiddenAt].some((path) => fieldPath.startsWith(`${path}.`) && !rowRefused(path))
          ) {
            failures.push(`${coordinate}: granted but refused (${p.query})`);
          } else if (proveServed && (parents.length === 0 || !parents.every((o) => name in o))) {
            failures.push(`${coordinate}: granted but not served: ${JSON.stringify(errors)} (${p.query})`);
          }
        } else if (!forbiddenAt.has(fieldPath) || parents.some((o) => o[name] !== null && o[name] !== undefined)) {
          failures.push(`${coordinate}: not granted but served or not refused: ${JSON.stringify(body)} (${p.query})`);
        }
      }
    };

    const paths = routes(subject);
    const query = schema.getQueryType() as GraphQLObjectType;
    for (const name of Object.keys(query.getFields())) {
      await run(query, [], [name], "query", true);
    }
    const mutation = schema.getMutationType() as GraphQLObjectType;
    for (const name of Object.keys(mutation.getFields())) {
      await run(mutation, [], [name], "mutation", false);
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (
        !isObjectType(type) ||
        type === query ||
        type === mutation ||
        !supergraph.coordinates.some((c) => c.startsWith(`${type.name}.`))
      ) {
        continue;
      }
      const fields = Object.keys(type.getFields());
      const payloadOf = Object.entries(mutation.getFields()).find(([, f]) => getNamedType(f.type) === type);
      if (payloadOf) {
        // A payload exists only after a successful write: the gateway's decision is what is checked.
        await run(
          type,
          [{ field: payloadOf[0], args: mutationArgs(subject)[`Mutation.${payloadOf[0]}`] }],
          fields,
          "mutation",
          false,
        );
        continue;
      }
      const candidates = paths[type.name];
      if (!candidates) {
        failures.push(`${type.name}: no route to reach it; add one to this test`);
        continue;
      }
      const walkable = candidates.find((route) => {
        let parent = query;
        return route.every((step) => {
          const ok = allowed(`${parent.name}.${step.field}`);
          const next = getNamedType(fieldOf(parent, step.field).type);
          parent = isObjectType(next) ? next : parent;
          return ok;
        });
      });
      await run(type, walkable ?? candidates[0] ?? [], fields, "query", true);
    }
    const missing = supergraph.coordinates.filter((c) => !checked.has(c));
    expect(missing).toEqual([]);
    expect(failures).toEqual([]);
  });
});
