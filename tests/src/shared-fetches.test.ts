import { randomUUID } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { type CapturingProxy, capturingProxy } from "./testkit/capturing-proxy.js";
import { SAFI } from "./testkit/fixtures.js";
import { type RunningSystem, startSystem, waitForSequenced } from "./testkit/start-system.js";

/*
 * Identical query fetches in flight at the same moment share one register call, within one scope
 * only (gateway/src/edge/shared-fetches.ts). The population register sits behind a proxy that
 * holds each call 400 ms, so that requests sent together overlap.
 */
const PERSON = `query Person($idcs: ID!) { person(idcs: $idcs) { idcs firstName } }`;
const HOLD_MS = 400;

const caseWorker = (sub: string, region: string): Caller => ({
  sub,
  agency: "ANSS",
  role: "CASE_WORKER",
  region: region as Caller["region"],
  purpose: "CASE_MANAGEMENT",
});

interface PersonAnswer {
  person: { idcs: string; firstName: string } | null;
}

let system: RunningSystem;
let proxy: CapturingProxy;
let person: { idcs: string; first_name: string; region_code: string };
let otherRegion: string;

beforeAll(async () => {
  proxy = await capturingProxy(() => system.populationUrl, { delayMs: HOLD_MS });
  system = await startSystem({
    label: "shared",
    seedPersons: 60,
    subgraphUrls: { population: `${proxy.url}/graphql` },
  });
  const rows = await system.populationDb.database.sql.query<typeof person>(
    "SELECT idcs, first_name, region_code FROM person ORDER BY idcs LIMIT 1",
  );
  person = rows[0] as typeof person;
  otherRegion = person.region_code === "01" ? "02" : "01";
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => proxy?.server.close(resolve));
});

/** Register calls the proxy saw that ask for this person. */
const callsFor = (idcs: string) => proxy.captured.filter((call) => call.body.includes(idcs)).length;

async function askTogether(callers: Caller[], idcs: string) {
  const tokens = await Promise.all(callers.map((caller) => system.token(caller)));
  const before = callsFor(idcs);
  const answers = await Promise.all(
    tokens.map((token, i) =>
      system.query<PersonAnswer>(token, PERSON, { idcs }, { "x-request-id": `shared-${Date.now()}-${i}` }),
    ),
  );
  return { answers, calls: callsFor(idcs) - before };
}

const metric = async (subgraph: string) => {
  const text = await (await fetch(`${system.gatewayUrl}/metrics`)).text();
  const line = new RegExp(`^spx_subgraph_fetches_shared_total\\{subgraph_name="${subgraph}"\\} (\\d+)$`, "m");
  return Number(line.exec(text)?.[1] ?? Number.NaN);
};

describe("identical fetches in flight", () => {
  it("share one register call between case workers of the same agency, region and purpose, and each request is in the access log", async () => {
    const sharedBefore = await metric("population");
    const { answers, calls } = await askTogether(
      [caseWorker("anss:cw-a", person.region_code), caseWorker("anss:cw-b", person.region_code)],
      person.idcs,
    );
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.person).toEqual({
        idcs: person.idcs,
        firstName: person.first_name,
      });
    }
    expect(calls).toBe(1);
    expect(await metric("population")).toBe(sharedBefore + 1);
    // Both reads are accounted for, each under its own caller.
    await waitForSequenced(system);
    const entries = await system.accessLogDb.database.sql.query<{ subject: string }>(
      "SELECT subject FROM access_log WHERE $1 = ANY(persons) AND subject IN ('anss:cw-a', 'anss:cw-b')",
      [person.idcs],
    );
    expect(entries.map((entry) => entry.subject).sort()).toEqual(["anss:cw-a", "anss:cw-b"]);
  });

  it("never share between case workers of different regions: the other region's worker gets no one's answer", async () => {
    const { answers, calls } = await askTogether(
      [caseWorker("anss:cw-home", person.region_code), caseWorker("anss:cw-away", otherRegion)],
      person.idcs,
    );
    expect(calls).toBe(2);
    const [home, away] = answers;
    expect(home?.body.data?.person?.firstName).toBe(person.first_name);
    expect(away?.body.data?.person ?? null).toBeNull();
    expect(JSON.stringify(away?.body)).not.toContain(person.first_name);
  });

  it("never share between agencies or purposes, even in the same region", async () => {
    const { calls } = await askTogether(
      [
        caseWorker("anss:cw-1", person.region_code),
        { ...caseWorker("anss:cw-2", person.region_code), purpose: "ASD_ELIGIBILITY" },
        { ...caseWorker("cnss:cw-3", person.region_code), agency: "CNSS" },
      ],
      person.idcs,
    );
    expect(calls).toBe(3);
  });

  it("do not share a call that has ended: the next identical request makes its own", async () => {
    const token = await system.token(caseWorker("anss:cw-again", person.region_code));
    const before = callsFor(person.idcs);
    await system.query(token, PERSON, { idcs: person.idcs });
    await system.query(token, PERSON, { idcs: person.idcs });
    expect(callsFor(person.idcs) - before).toBe(2);
  });

  it("never share a mutation: the same registration sent twice together reaches the register twice, and its key makes it one person", async () => {
    const token = await system.token({ sub: "anr:centre", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" });
    const cin = `ZS${Date.now() % 1_000_000}`;
    const input = {
      cin,
      firstName: "Hafsa",
      lastName: "Sharedbody",
      firstNameAr: "حفصة",
      lastNameAr: "الطاهري",
      sex: "FEMALE",
      birthDate: "1990-02-02",
      birthPlace: "Safi",
      nationality: "MAR",
      residencyStatus: "CITIZEN",
      address: SAFI,
      registrationCentre: "CSC Safi",
      legalRepresentativeIdcs: null,
    };
    const REGISTER = `mutation($input: RegisterPersonInput!, $key: String) { registerPerson(input: $input, idempotencyKey: $key) { person { idcs } } }`;
    const key = randomUUID();
    const before = callsFor(cin);
    const answers = await Promise.all(
      [0, 1].map(() => system.query<{ registerPerson: { person: { idcs: string } } }>(token, REGISTER, { input, key })),
    );
    expect(callsFor(cin) - before).toBe(2);
    const registered = answers.map((answer) => answer.body.data?.registerPerson?.person.idcs);
    expect(registered[0]).toMatch(/^\d{10}$/);
    expect(registered[1]).toBe(registered[0]);
    const rows = await system.populationDb.database.sql.query("SELECT idcs FROM person WHERE cin = $1", [cin]);
    expect(rows).toHaveLength(1);
  });
});
