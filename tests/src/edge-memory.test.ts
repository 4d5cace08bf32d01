import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type Caller, catalogue } from "@spx/runtime/access";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const anr: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM", purpose: "IDENTITY_CHECK" };
const limits = catalogue().edge.limits;
const MB = 1024 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Resident memory once garbage is collected (twice: weak references are cleared on the second). */
function settledRss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

let system: RunningSystem;
let token: string;
let idcs: string;

beforeAll(async () => {
  system = await startSystem({ label: "edgemem", seedPersons: 10, seedHouseholds: true });
  token = await system.token(anr);
  const [person] = await system.socialRegistryDb.database.sql.query<{ idcs: string }>(
    "SELECT person_idcs AS idcs FROM membership WHERE until IS NULL ORDER BY person_idcs LIMIT 1",
  );
  idcs = person!.idcs;
}, 180_000);
afterAll(async () => {
  await system?.stop();
});

async function post(query: string) {
  const response = await fetch(`${system.gatewayUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
  return {
    status: response.status,
    code: body.errors?.[0]?.extensions?.code,
    limit: body.errors?.[0]?.extensions?.limit,
  };
}

/** A chain of `links` fragments, each spreading the next twice: many tokens, cheap to validate. */
const chain = (n: number, links: number) =>
  `query C${n} { ...D0 } ${Array.from({ length: links }, (_, i) => `fragment D${i} on Query { ...D${i + 1} ...D${i + 1} }`).join(" ")} fragment D${links} on Query { __typename }`;

describe("the gateway's memory under many distinct documents", () => {
  it("stays within 200 MB after 200 distinct 900 KB documents, each refused", async () => {
    await post(`{ person(idcs: "${idcs}") { idcs } }`);
    const before = settledRss();
    for (let n = 0; n < 200; n++) {
      const query = `{ ${Array.from({ length: 44_000 }, (_, i) => `d${n}_${i}: __typename`).join(" ")} }`;
      expect(query.length).toBeGreaterThan(900_000);
      expect(await post(query)).toEqual({ status: 400, code: "OPERATION_LIMIT_EXCEEDED", limit: "documentBytes" });
    }
    const grown = settledRss() - before;
    console.log(`RSS after 200 distinct 900 KB documents: ${(grown / MB).toFixed(1)} MB more`);
    expect(grown).toBeLessThan(200 * MB);
  });

  it("keeps each cache within its byte bound under distinct documents just under the limits", async () => {
    const before = settledRss();
    // Parsed, validated and cached by Apollo, measured, then refused (the chain expands past every
    // count): the document store and the shape cache see each one.
    const links = Math.floor((limits.tokens - 20) / 10);
    for (let n = 0; n < 150; n++) {
      expect(await post(chain(n, links))).toMatchObject({ status: 400, code: "OPERATION_LIMIT_EXCEEDED" });
    }
    // Served, so that authorization decides on each and keeps the decision: as many bytes as allowed.
    const base = `{ person(idcs: "${idcs}") { idcs } } #`;
    for (let n = 0; n < 40; n++) {
      const query = `${base}${String(n).padStart(4, "0")}${"x".repeat(limits.documentBytes - base.length - 4)}`;
      expect(await post(query)).toEqual({ status: 200, code: undefined, limit: undefined });
    }
    const caches = system.gatewayCaches();
    console.log(JSON.stringify(caches));
    expect(caches.documents.bytes).toBeLessThanOrEqual(caches.documents.maxBytes);
    expect(caches.shapes.bytes).toBeLessThanOrEqual(caches.shapes.maxBytes);
    expect(caches.decisions?.bytes).toBeLessThanOrEqual(caches.decisions?.maxBytes ?? 0);
    // The bounds bit: fewer documents and decisions kept than were sent.
    expect(caches.documents.entries).toBeLessThan(190);
    expect(caches.decisions?.entries).toBeLessThan(40);
    const grown = settledRss() - before;
    console.log(`RSS after 190 distinct documents just under the limits: ${(grown / MB).toFixed(1)} MB more`);
    expect(grown).toBeLessThan(200 * MB);
  });
});
