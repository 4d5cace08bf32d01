import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Caller } from "@spx/runtime/access";
import { createTestDatabase, type TestDatabase, testDatabaseKind } from "@spx/testkit/test-database";
import { exited, startReadyProcess } from "./testkit/child-process.js";
import { CNSS_SERVICE, eventually, testNats } from "./testkit/events.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * The health-insurance register itself (its app, consumers and reaction transactions, as
 * `npm start` builds them) killed with SIGKILL while deaths recorded through the graph arrive, then
 * started again: every deceased's coverage is closed, each death reacted to exactly once, over
 * JetStream and over the graph feed. A trigger slows each reaction inside its transaction, so that
 * the kill lands in the middle of one. events-crash.test.ts does the same for the runtime's
 * transports with a stand-in reaction and 200 events.
 * PostgreSQL only: a killed process takes an in-process PGlite with it.
 */

const SCRIPT = fileURLToPath(new URL("./testkit/register-consumer.mjs", import.meta.url));
const DEATHS = 80;
const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };

const SLOW_REACTIONS = [
  `CREATE FUNCTION test_slow_reaction() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN PERFORM pg_sleep(0.03); RETURN NEW; END $$`,
  `CREATE TRIGGER test_slow_reaction BEFORE INSERT ON event_reaction
   FOR EACH ROW EXECUTE FUNCTION test_slow_reaction()`,
];

(testDatabaseKind() === "postgres"
  ? describe.each(["graph-feed", "nats"] as const)
  : describe.skip.each(["graph-feed", "nats"] as const))(
  "the health-insurance register killed while deaths arrive over %s",
  (transport) => {
    const nats = transport === "nats" ? testNats(`crash_register_${transport}`) : undefined;
    let system: RunningSystem;
    let insuranceDb: TestDatabase;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      system = await startSystem({
        label: `crash_register_${transport.replace("-", "_")}`,
        seedPersons: 300,
        events: { ...(nats ? { nats } : {}) },
      });
      // The killed register's own database: its migrations, as `npm start` would apply them.
      insuranceDb = await createTestDatabase(`crash_register_amo_${transport.replace("-", "_")}`);
    }, 120_000);
    afterAll(async () => {
      for (const child of children) {
        child.kill("SIGKILL");
        await exited(child);
      }
      await insuranceDb?.drop();
      await system?.stop();
      await nats?.remove();
    });

    it("closes every deceased's coverage, each death reacted to once, after a SIGKILL and a restart", async () => {
      const env = {
        DATABASE_URL: insuranceDb.url ?? "",
        GATEWAY_URL: system.gatewayUrl,
        SERVICE_TOKEN: await system.token(CNSS_SERVICE, { ttlSeconds: 3600 }),
        ...(nats ? { NATS_URL: nats.url, NATS_STREAM: nats.stream ?? "", NATS_PREFIX: nats.subjectPrefix ?? "" } : {}),
      };
      // Started once before the deaths: the register migrates its database and its durable consumer
      // exists, so that it then reads from the first death on (as a register running all along).
      const migrating = await startReadyProcess(SCRIPT, env);
      migrating.kill("SIGTERM");
      await exited(migrating);
      const sql = insuranceDb.database.sql;
      for (const statement of SLOW_REACTIONS) {
        await sql.query(statement);
      }

      const persons = await system.population.prisma.person.findMany({
        where: { lifeStatus: "ALIVE" },
        select: { idcs: true, regionCode: true },
        orderBy: { idcs: "asc" },
        take: DEATHS,
      });
      expect(persons).toHaveLength(DEATHS);
      // Each one the principal of an open AMO-Tadamon affiliation.
      await sql.query(
        `WITH p AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(idcs, region)),
            a AS (INSERT INTO affiliation (id, principal_idcs, regime, payer, status, region_code)
                  SELECT gen_random_uuid(), idcs, 'AMO_TADAMON', 'STATE', 'ACTIVE', region FROM p
                  RETURNING id, principal_idcs)
       INSERT INTO coverage (id, affiliation_id, person_idcs, role)
       SELECT gen_random_uuid(), id, principal_idcs, 'PRINCIPAL' FROM a`,
        [persons.map((p) => p.idcs), persons.map((p) => p.regionCode)],
      );

      const token = await system.token(registrar);
      const today = new Date().toISOString().slice(0, 10);
      for (const person of persons) {
        const { body } = await system.query(
          token,
          "mutation($idcs: ID!, $d: Date!, $key: String) { recordDeath(idcs: $idcs, dateOfDeath: $d, idempotencyKey: $key) { person { idcs } } }",
          { idcs: person.idcs, d: today, key: randomUUID() },
        );
        expect(body.errors).toBeUndefined();
      }
      await system.population.events.drain();

      const reacted = async () => {
        const [row] = await sql.query<{ n: number }>(
          "SELECT count(DISTINCT event_id)::int AS n FROM event_reaction WHERE event_type = 'person.died'",
        );
        return row?.n ?? 0;
      };
      const first = await startReadyProcess(SCRIPT, env);
      children.push(first);
      await eventually(async () => (await reacted()) >= 10, "10 reactions before the kill");
      first.kill("SIGKILL");
      await exited(first);
      // Killed mid-way: some deaths were not reacted to yet.
      expect(await reacted()).toBeLessThan(DEATHS);

      const second = await startReadyProcess(SCRIPT, env);
      children.push(second);
      await eventually(async () => (await reacted()) === DEATHS, "every death reacted to after the restart", 120_000);
      second.kill("SIGTERM");
      await exited(second);

      const reactions = await sql.query<{ subject: string; action: string; n: number }>(
        `SELECT subject, action, count(*)::int AS n FROM event_reaction
       WHERE event_type = 'person.died' GROUP BY subject, action`,
      );
      expect(reactions.map((r) => r.subject).sort()).toEqual(persons.map((p) => p.idcs).sort());
      expect(reactions.filter((r) => r.n !== 1 || r.action !== "AFFILIATION_CLOSED")).toEqual([]);
      const open = await sql.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM coverage WHERE until IS NULL)::int
            + (SELECT count(*) FROM affiliation WHERE status <> 'CLOSED')::int AS n`,
      );
      expect(open[0]?.n).toBe(0);
      const [consumed] = await sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM consumed_event WHERE consumer = 'health-insurance' AND type = 'person.died'",
      );
      expect(consumed?.n).toBe(DEATHS);
    }, 240_000);
  },
);
