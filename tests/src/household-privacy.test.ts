import { caseWorker } from "./testkit/callers.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * A citizen reads their own household (`self`) but no other member's person: each other member is
 * null as a whole, with FORBIDDEN at its place in the list, and no other member's IDCS appears
 * anywhere in the answer. (Before, each member's person came back as `{ idcs }` beside a
 * FORBIDDEN from the population register, the IDCS being the key the social register hands on.)
 */

let system: RunningSystem;
interface Household {
  id: string;
  region: string;
  head: string;
  others: string[];
}
let household: Household;
/** Another household, one of whose members the population register now has in another region. */
let split: Household & { moved: string };

beforeAll(async () => {
  system = await startSystem({ label: "hhpriv", seedPersons: 150, seedHouseholds: true });
  const rows = await system.socialRegistryDb.database.sql.query<{
    household_id: string;
    region_code: string;
    person_idcs: string;
    relationship: string;
  }>(
    `SELECT m.household_id, h.region_code, m.person_idcs, m.relationship FROM membership m
     JOIN household h ON h.id = m.household_id
     WHERE m.until IS NULL AND m.household_id IN (
       SELECT household_id FROM membership WHERE until IS NULL GROUP BY household_id
       HAVING count(*) >= 3 ORDER BY household_id LIMIT 2)`,
  );
  const [first, second] = [...new Set(rows.map((r) => r.household_id))].map((id): Household => {
    const members = rows.filter((r) => r.household_id === id);
    const head = members.find((r) => r.relationship === "HEAD")!;
    return {
      id,
      region: head.region_code,
      head: head.person_idcs,
      others: members.filter((r) => r.relationship !== "HEAD").map((r) => r.person_idcs),
    };
  });
  household = first!;
  const moved = second!.others[0]!;
  split = { ...second!, moved };
  // The member has moved to another region: the population register holds their new address.
  await system.populationDb.database.sql.query(
    "UPDATE person SET region_code = CASE WHEN $2 = '05' THEN '06' ELSE '05' END WHERE idcs = $1",
    [moved, second!.region],
  );
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

type Member = { relationship: string | null; person: { idcs: string; firstName: string | null } | null } | null;
const QUERY = `query($i: ID!) { person(idcs: $i) { idcs household { size members { relationship person { idcs firstName } } } } }`;

it("a citizen sees themselves among the members, every other member null with FORBIDDEN, no other IDCS", async () => {
  const token = await system.token({ sub: "test:citizen", role: "CITIZEN", idcs: household.head });
  const { status, body } = await system.query<{ person: { household: { size: number; members: Member[] } } }>(
    token,
    QUERY,
    { i: household.head },
  );
  expect(status).toBe(200);
  const members = body.data?.person.household.members ?? [];
  expect(members).toHaveLength(household.others.length + 1);
  expect(members[0]).toEqual({ relationship: "HEAD", person: { idcs: household.head, firstName: expect.any(String) } });
  expect(members.slice(1)).toEqual(household.others.map(() => null));
  const refused = (body.errors ?? []).filter((e) => e.extensions?.code === "FORBIDDEN").map((e) => e.path?.join("."));
  expect(refused.sort()).toEqual(household.others.map((_, i) => `person.household.members.${i + 1}`).sort());
  const text = JSON.stringify(body);
  for (const idcs of household.others) {
    expect(text).not.toContain(idcs);
  }
});

it("a case worker of the household's region still sees every member", async () => {
  const caller = caseWorker(household.region, { agency: "ANR", purpose: "CASE_MANAGEMENT" });
  const { body } = await system.query<{ person: { household: { members: Member[] } } }>(
    await system.token(caller),
    QUERY,
    { i: household.head },
  );
  const members = body.data?.person.household.members ?? [];
  expect(members.map((m) => m?.person?.idcs).sort()).toEqual([household.head, ...household.others].sort());
  expect((body.errors ?? []).filter((e) => e.extensions?.code === "FORBIDDEN")).toEqual([]);
});

it("a case worker sees a member living in another region as null, not as an IDCS beside FORBIDDEN", async () => {
  const caller = caseWorker(split.region, { agency: "ANR", purpose: "CASE_MANAGEMENT" });
  const { body } = await system.query<{ person: { household: { members: Member[] } } }>(
    await system.token(caller),
    QUERY,
    { i: split.head },
  );
  const members = body.data?.person.household.members ?? [];
  expect(members).toHaveLength(split.others.length + 1);
  const at = members.findIndex((m) => m?.person === null);
  expect(at).toBeGreaterThan(0);
  expect(members[at]?.relationship).toEqual(expect.any(String));
  const refused = (body.errors ?? []).filter((e) => e.extensions?.code === "FORBIDDEN").map((e) => e.path?.join("."));
  expect(refused).toEqual([`person.household.members.${at}.person`]);
  expect(JSON.stringify(body)).not.toContain(split.moved);
  const served = members.flatMap((m) => (m?.person ? [m.person.idcs] : []));
  expect(served.sort()).toEqual([split.head, ...split.others.filter((o) => o !== split.moved)].sort());
});
