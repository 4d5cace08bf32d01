import { readFileSync } from "node:fs";
import { population } from "@spx/population/subgraph";
import type { Caller } from "@spx/runtime/access";
import { eventsAfter, recordEvent } from "@spx/runtime/events";
import type { AppOf } from "@spx/runtime/subgraph";
import { AGENCY_CATALOGUE_FILE } from "@spx/schema";
import { testDatabaseKind } from "@spx/testkit/test-database";
import { startTestSubgraph, type TestSubgraph } from "@spx/testkit/test-subgraph";

/*
 * The outbox of a producing register (population here; every register has the same tables): an
 * event exists if and only if the transaction that made the change committed, the relay positions
 * events in the order their commits became visible (so a reader following positions never skips
 * one committed late), and the feed serves them only to the nationwide services granted
 * `events:read`, accounting for the persons they name like any read.
 */

const cnss: Caller = { sub: "service:health-insurance", agency: "CNSS", role: "SERVICE", purpose: "AMO_ENROLMENT" };
const FEED =
  "query($after: String, $first: Int) { populationEvents(after: $after, first: $first) { id position type subject data } }";

/** The persons a subgraph answer tells the gateway it served (for the access log). */
const servedPersons = (body: object): string[] =>
  [
    ...(((body as { extensions?: { spxServedPersons?: string[] } }).extensions?.spxServedPersons ?? []) as string[]),
  ].sort();

let subgraph: TestSubgraph<AppOf<typeof population>>;

beforeAll(async () => {
  subgraph = await startTestSubgraph(population, {
    label: "events_outbox",
    defaultCaller: cnss,
    options: {},
    // The test drives the relay itself (app.events.drain()).
    events: { eventsInBackground: false },
  });
});
afterAll(async () => {
  await subgraph?.stop();
});

const outbox = () =>
  subgraph.db.database.sql.query<{ id: string; position: string | null; type: string }>(
    "SELECT id::text AS id, position::text AS position, type FROM outbox_event ORDER BY position NULLS LAST, occurred_at",
  );

beforeEach(async () => {
  await subgraph.db.database.sql.query("DELETE FROM outbox_event");
});

describe("the outbox", () => {
  it("holds an event if and only if its transaction committed", async () => {
    const prisma = subgraph.app.prisma;
    const committed = await prisma.$transaction((tx) =>
      recordEvent(tx, {
        type: "person.died",
        subject: "1000000001",
        data: { idcs: "1000000001", dateOfDeath: "2026-11-30" },
      }),
    );
    await expect(
      prisma.$transaction(async (tx) => {
        await recordEvent(tx, { type: "person.died", subject: "1000000002", data: { idcs: "1000000002" } });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect((await outbox()).map((e) => e.id)).toEqual([committed]);
    await subgraph.app.events.drain();
    expect(await outbox()).toEqual([{ id: committed, position: "1", type: "person.died" }]);
  });

  // Two transactions at once need two connections: PGlite has one, where commits cannot cross.
  (testDatabaseKind() === "postgres" ? it : it.skip)(
    "positions an event committed late after those already read, so a reader resuming misses none",
    async () => {
      const prisma = subgraph.app.prisma;
      let releaseEarly!: () => void;
      const early = new Promise<void>((resolve) => {
        releaseEarly = resolve;
      });
      let written!: () => void;
      const earlyWritten = new Promise<void>((resolve) => {
        written = resolve;
      });
      // Started first (its occurred_at is earlier), committed last.
      const slow = prisma.$transaction(
        async (tx) => {
          const id = await recordEvent(tx, { type: "test.slow", subject: "s", data: {} });
          written();
          await early;
          return id;
        },
        { timeout: 30_000 },
      );
      await earlyWritten;
      const fast = await prisma.$transaction((tx) => recordEvent(tx, { type: "test.fast", subject: "f", data: {} }));
      await subgraph.app.events.drain();
      // A reader reads now: only the committed event, at position 1.
      const firstRead = await eventsAfter(subgraph.db.database.sql, "population", null, 100);
      expect(firstRead.map((e) => [e.id, e.position])).toEqual([[fast, "1"]]);
      releaseEarly();
      const slowId = await slow;
      await subgraph.app.events.drain();
      // It resumes after the last position it saw and finds the late one: no gap, nothing skipped.
      const secondRead = await eventsAfter(subgraph.db.database.sql, "population", "1", 100);
      expect(secondRead.map((e) => [e.id, e.position])).toEqual([[slowId, "2"]]);
    },
  );
});

describe("the event feed", () => {
  it("serves positioned events after a position, a page at a time, and names their persons for the access log", async () => {
    const prisma = subgraph.app.prisma;
    await prisma.$transaction(async (tx) => {
      await recordEvent(tx, {
        type: "person.died",
        subject: "1000000011",
        data: { idcs: "1000000011", dateOfDeath: "2026-11-01" },
      });
      await recordEvent(tx, {
        type: "marriage.recorded",
        subject: "m-1",
        data: { marriageId: "m-1", spouses: ["1000000012", "1000000013"], date: "2026-10-01" },
      });
      await recordEvent(tx, {
        type: "person.born",
        subject: "1000000014",
        data: { idcs: "1000000014", motherIdcs: "1000000013", fatherIdcs: null },
      });
    });
    // Not positioned yet: not served.
    const before = await subgraph.call<{ populationEvents: unknown[] }>(FEED, {});
    expect(before.body.data?.populationEvents).toEqual([]);
    await subgraph.app.events.drain();
    const page = await subgraph.call<{ populationEvents: { position: string; type: string; data: string }[] }>(FEED, {
      first: 2,
    });
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data?.populationEvents.map((e) => e.type)).toEqual(["person.died", "marriage.recorded"]);
    expect(JSON.parse(page.body.data?.populationEvents[1]?.data ?? "{}")).toMatchObject({
      spouses: ["1000000012", "1000000013"],
    });
    expect(servedPersons(page.body).sort()).toEqual(["1000000011", "1000000012", "1000000013"]);
    const next = await subgraph.call<{ populationEvents: { position: string; type: string }[] }>(FEED, {
      after: page.body.data?.populationEvents[1]?.position,
    });
    expect(next.body.data?.populationEvents.map((e) => e.type)).toEqual(["person.born"]);
    expect(servedPersons(next.body).sort()).toEqual(["1000000013", "1000000014"]);
  });

  it("refuses a page over 500 and a position it never served", async () => {
    const big = await subgraph.call(FEED, { first: 501 });
    expect(big.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const bad = await subgraph.call(FEED, { after: "1; DROP TABLE person" });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses callers without events:read and callers who are not nationwide", async () => {
    await subgraph.app.prisma.$transaction((tx) =>
      recordEvent(tx, { type: "person.died", subject: "1000000021", data: { idcs: "1000000021" } }),
    );
    await subgraph.app.events.drain();
    const refused: Caller[] = [
      // Nationwide, without events:read.
      { sub: "service:social-registry", agency: "ANR", role: "SERVICE", purpose: "IDENTITY_CHECK" },
      { sub: "test:anr", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" },
      // Of one region.
      { sub: "test:cw", agency: "CNSS", role: "CASE_WORKER", region: "06", purpose: "CASE_MANAGEMENT" },
      // The person named in the event.
      { sub: "citizen:1000000021", role: "CITIZEN", idcs: "1000000021", purpose: "SELF_SERVICE" },
    ];
    for (const caller of refused) {
      const { body } = await subgraph.call<{ populationEvents: unknown }>(FEED, {}, caller);
      expect(body.data?.populationEvents ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(servedPersons(body)).toEqual([]);
    }
    // Whoever the catalogue grants the feed reads nationwide only.
    const catalogue = JSON.parse(readFileSync(AGENCY_CATALOGUE_FILE, "utf8")) as { grants: unknown[] };
    const grants = catalogue.grants as { agency?: string; role: string; scopes: string[]; policies: string[] }[];
    const readers = grants.filter((g) => g.scopes.includes("events:read"));
    expect(readers.map((g) => `${g.agency}/${g.role}`).sort()).toEqual(["ANSS/SERVICE", "CNSS/SERVICE"]);
    expect(readers.every((g) => g.policies.length === 1 && g.policies[0] === "nationwide")).toBe(true);
  });
});
