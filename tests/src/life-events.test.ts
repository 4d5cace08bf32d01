import { randomUUID } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { testNats } from "./testkit/events.js";
import { declare, livingConditions, registerHousehold, registerPerson } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * A death recorded through the graph, and nothing else: the population register's event reaches
 * health insurance and direct aid, over JetStream and, without NATS, over the producers' feeds in
 * the graph. The coverage closes, the next payment run pays nobody dead, each register reacts
 * once however often the event is delivered.
 */

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
const cnss: Caller = { sub: "test:cnss", agency: "CNSS", role: "SYSTEM" };
const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SYSTEM" };

const iso = (d: Date) => d.toISOString().slice(0, 10);
const thisMonth = new Date().toISOString().slice(0, 7);
/** The last day of last month: this month is the first the death stops the aid for. */
const endOfLastMonth = (() => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0));
})();
const schoolYear = (() => {
  const now = new Date();
  const start = now.getUTCMonth() >= 8 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return `${start}-${start + 1}`;
})();

describe.each(["graph-feed", "nats"] as const)("a death recorded in the population register, over %s", (transport) => {
  const nats = transport === "nats" ? testNats(`life_${transport}`) : undefined;
  let system: RunningSystem;
  let registrar: string;
  let insurer: string;
  let agency: string;

  beforeAll(async () => {
    system = await startSystem({
      label: `life_${transport.replace("-", "_")}`,
      events: { ...(nats ? { nats } : {}) },
    });
    [registrar, insurer, agency] = await Promise.all([system.token(anr), system.token(cnss), system.token(anss)]);
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    await nats?.remove();
  });

  async function ok<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { body } = await system.query<T>(token, query, variables);
    if (body.errors || !body.data) {
      throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
    }
    return body.data;
  }

  it("closes the coverage and stops the aid with no other call, each register reacting once", async () => {
    const year = new Date().getUTCFullYear();
    const father = await registerPerson(system, registrar, { firstName: "Said", birthDate: "1979-05-05", sex: "MALE" });
    const mother = await registerPerson(system, registrar, { firstName: "Latifa", birthDate: "1983-05-05" });
    const pupil = await registerPerson(system, registrar, {
      firstName: "Reda",
      birthDate: `${year - 9}-02-02`,
      sex: "MALE",
      representative: father,
    });
    const doc = "Acte d'état civil 12/2010";
    await ok(
      registrar,
      "mutation($input: RecordMarriageInput!, $key: String) { recordMarriage(input: $input, idempotencyKey: $key) { marriageId } }",
      { input: { husbandIdcs: father, wifeIdcs: mother, since: "2010-06-01", sourceDocument: doc }, key: randomUUID() },
    );
    await ok(
      registrar,
      "mutation($input: RecordFiliationInput!, $key: String) { recordFiliation(input: $input, idempotencyKey: $key) { person { idcs } } }",
      { input: { childIdcs: pupil, motherIdcs: mother, fatherIdcs: father, sourceDocument: doc }, key: randomUUID() },
    );
    const household = await registerHousehold(system, registrar, father, [
      { idcs: mother, relationship: "SPOUSE" },
      { idcs: pupil, relationship: "CHILD" },
    ]);
    const conditions = livingConditions("POOR", [
      { idcs: father, occupation: "SELF_EMPLOYED" },
      { idcs: mother, occupation: "HOMEMAKER" },
      { idcs: pupil },
    ]);
    await declare(system, registrar, household, {
      ...conditions,
      members: (conditions.members as { idcs: string }[]).map((m) =>
        m.idcs === pupil ? { ...m, enrolment: { level: "PRIMARY", institutionType: "PUBLIC", schoolYear } } : m,
      ),
    });
    const enrolled = await ok<{ enrollAmoTadamon: { affiliation: { id: string; status: string } } }>(
      insurer,
      "mutation($id: ID!) { enrollAmoTadamon(householdId: $id) { affiliation { id status } } }",
      { id: household },
    );
    expect(enrolled.enrollAmoTadamon.affiliation.status).toBe("ACTIVE");
    const applied = await ok<{ applyForDirectAid: { decision: string } }>(
      agency,
      `mutation($id: ID!) { applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: false, paymentInstitution: BARID_BANK }) { decision } }`,
      { id: household },
    );
    expect(applied.applyForDirectAid.decision).toBe("ACCEPTED");
    await system.drainEvents();

    await ok(
      registrar,
      "mutation($idcs: ID!, $d: Date!) { recordDeath(idcs: $idcs, dateOfDeath: $d) { person { idcs } } }",
      {
        idcs: father,
        d: iso(endOfLastMonth),
      },
    );
    // Delivered, then delivered again: a redelivery is recognised by the event's id.
    await system.drainEvents();
    await system.drainEvents();

    const coverage = await ok<{ person: { healthCoverage: unknown; coverageHistory: { endReason: string | null }[] } }>(
      insurer,
      "query($idcs: ID!) { person(idcs: $idcs) { healthCoverage { status } coverageHistory { endReason } } }",
      { idcs: father },
    );
    expect(coverage.person.healthCoverage).toBeNull();
    expect(coverage.person.coverageHistory.map((c) => c.endReason)).toContain("DECEASED");
    const affiliation = await ok<{ affiliation: { status: string } }>(
      insurer,
      "query($id: ID!) { affiliation(id: $id) { status } }",
      { id: enrolled.enrollAmoTadamon.affiliation.id },
    );
    expect(affiliation.affiliation.status).toBe("CLOSED");
    // The widow goes on as the principal of the household's AMO-Tadamon, the child with her.
    const survivors = await ok<{
      mother: { healthCoverage: { role: string } | null };
      pupil: { healthCoverage: { principalIdcs: string } | null };
    }>(
      insurer,
      "query($m: ID!, $p: ID!) { mother: person(idcs: $m) { healthCoverage { role } } pupil: person(idcs: $p) { healthCoverage { principalIdcs } } }",
      { m: mother, p: pupil },
    );
    expect(survivors.mother.healthCoverage?.role).toBe("PRINCIPAL");
    expect(survivors.pupil.healthCoverage?.principalIdcs).toBe(mother);

    // The month after the death's: the run pays the mother (the order after a deceased husband), never the dead.
    await ok(agency, "mutation($m: String!) { runMonthlyPayments(month: $m) { issued } }", { m: thisMonth });
    const [order] = await system.directAidDb.database.sql.query<{ beneficiary_idcs: string }>(
      "SELECT beneficiary_idcs FROM payment_order WHERE household_id = $1 AND month = $2",
      [household, thisMonth],
    );
    expect(order?.beneficiary_idcs).toBe(mother);

    const amo = await ok<{ amoEventReactions: { eventType: string; subject: string; eventId: string }[] }>(
      insurer,
      "{ amoEventReactions(first: 500) { eventType subject eventId } }",
    );
    const aid = await ok<{ aidEventReactions: { eventType: string; subject: string; eventId: string }[] }>(
      agency,
      "{ aidEventReactions(first: 500) { eventType subject eventId } }",
    );
    // One reaction in each register to the one event of this death (AMO's names the person, direct
    // aid's the household), however often it was delivered.
    const died = amo.amoEventReactions.filter((r) => r.eventType === "person.died" && r.subject === father);
    expect(died).toHaveLength(1);
    const eventId = died[0]?.eventId;
    expect(aid.aidEventReactions.filter((r) => r.eventId === eventId)).toEqual([
      { eventType: "person.died", subject: household, eventId },
    ]);
  });
});
