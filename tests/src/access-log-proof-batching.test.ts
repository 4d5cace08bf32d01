import { CheckpointStore } from "@spx/gateway/access-log/checkpoints";
import { AccessLogProofs, verifyAccessBundle } from "@spx/gateway/access-log/proof-bundle";
import { AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import type { Caller } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import type { SqlExecutor } from "@spx/runtime/database";
import { TestWitnessedLog } from "./testkit/access-log-keys.js";
import { accessEntry } from "./testkit/fixtures.js";
import {
  ACCESS_LOG_ORIGIN,
  type AnotherGateway,
  type RunningSystem,
  startAnotherGateway,
  startSystem,
} from "./testkit/start-system.js";

/*
 * A page of entries with their proofs costs the access log's database the same few statements as
 * one entry: the checkpoints once per request, the tree nodes of every proof in one query.
 * Counted on a gateway of the test's own whose log store, tree and checkpoints go through a
 * counting executor (the system's sequencer keeps its own, uncounted).
 */

/** Counts every statement sent through `sql`, sessions and transactions included. */
function counted(sql: SqlExecutor, counter: { count: number }): SqlExecutor {
  return {
    async exec(script) {
      counter.count++;
      return sql.exec(script);
    },
    async query<Row>(text: string, params?: unknown[]) {
      counter.count++;
      return sql.query<Row>(text, params);
    },
    transaction: (fn, options) => sql.transaction((tx) => fn(counted(tx, counter)), options),
    withSession: (fn, options) => sql.withSession((session) => fn(counted(session, counter)), options),
  };
}

const ONE = "7100000001";
const TWENTY = "7100000020";
const citizen = (idcs: string): Caller => ({ sub: `citizen:${idcs}`, role: "CITIZEN", idcs, purpose: "SELF_SERVICE" });
const auditor: Caller = { sub: "cndp:auditor-3", agency: "CNDP", role: "AUDITOR", purpose: "AUDIT" };

const MINE = `query Mine($first: Int) { myDataAccess(first: $first) {
  entries { leafIndex proof { leafIndex treeSize witnessed bundle } } } }`;
const SEARCH = `query Search($first: Int) { accessLog(purpose: "STATISTICS", first: $first) {
  entries { leafIndex proof { leafIndex treeSize witnessed bundle } } } }`;

interface Proof {
  leafIndex: string;
  treeSize: string;
  witnessed: boolean;
  bundle: string;
}
type Entries = { entries: { leafIndex: string | null; proof: Proof | null }[] };

let system: RunningSystem;
let gateway: AnotherGateway;
let witnessed: TestWitnessedLog;
const statements = { count: 0 };

beforeAll(async () => {
  system = await startSystem({ label: "proof_batching" });
  if (!system.sequencer || !system.accessLog) {
    throw new Error("the test system keeps and sequences its access log");
  }
  const sql = counted(system.accessLogDb.database.sql, statements);
  witnessed = new TestWitnessedLog(system.accessLogSigner, ACCESS_LOG_ORIGIN);
  const checkpoints = new CheckpointStore(sql);
  gateway = await startAnotherGateway(system, {
    accessLog: new AccessLogStore(sql),
    accessLogProofs: new AccessLogProofs(new AccessLogTree(sql), checkpoints, witnessed.keys()),
  });
  // Twenty-one reads of statistics: one about ONE, twenty about TWENTY (across a tree that is no
  // power of two, so the proofs differ in length and share some nodes).
  await system.accessLog.append([
    accessEntry({ purpose: "STATISTICS", persons: [ONE] }),
    ...Array.from({ length: 20 }, () => accessEntry({ purpose: "STATISTICS", persons: [TWENTY] })),
    accessEntry({ persons: [ONE, TWENTY] }),
  ]);
  const checkpoint = await system.sequencer.flush();
  if (!checkpoint) {
    throw new Error("no checkpoint signed");
  }
  await witnessed.cosign(new CheckpointStore(system.accessLogDb.database.sql), checkpoint);
}, 180_000);
afterAll(async () => {
  await gateway?.stop();
  await system?.stop();
});

/** Asks the gateway, and counts the access log's statements the request cost. */
async function cost<Data>(caller: Caller, query: string, variables: Record<string, unknown>) {
  const token = await system.token(caller);
  const before = statements.count;
  const { body } = await postGraphQL<Data>(
    `${gateway.url}/graphql`,
    { query, variables },
    {
      authorization: `Bearer ${token}`,
    },
  );
  expect(body.errors).toBeUndefined();
  return { data: body.data as Data, statements: statements.count - before };
}

function expectVerified(proofs: (Proof | null)[], count: number) {
  expect(proofs).toHaveLength(count);
  const keys = { log: witnessed.keys().log, witnesses: [witnessed.witness] };
  for (const proof of proofs) {
    expect(proof?.witnessed).toBe(true);
    // Each entry got its own proof from the shared batch of nodes.
    const verified = verifyAccessBundle(proof?.bundle ?? "", keys, { requiredWitnesses: [witnessed.witness.name] });
    expect(String(verified.index)).toBe(proof?.leafIndex);
  }
}

describe("proofs of a page", () => {
  it("cost the citizen's page the same statements for 1 entry as for 20", async () => {
    const one = await cost<{ myDataAccess: Entries }>(citizen(ONE), MINE, { first: 1 });
    const twenty = await cost<{ myDataAccess: Entries }>(citizen(TWENTY), MINE, { first: 20 });
    expectVerified(
      one.data.myDataAccess.entries.map((e) => e.proof),
      1,
    );
    expectVerified(
      twenty.data.myDataAccess.entries.map((e) => e.proof),
      20,
    );
    // The page, the two checkpoints (latest, latest witnessed), the nodes, the citizen's own read
    // logged: 5 today, whatever the page size (one query per entry made it 24).
    expect(one.statements).toBeLessThanOrEqual(6);
    expect(twenty.statements).toBe(one.statements);
  });

  it("cost the auditor's search the same statements for 1 entry as for 20", async () => {
    const one = await cost<{ accessLog: Entries }>(auditor, SEARCH, { first: 1 });
    const twenty = await cost<{ accessLog: Entries }>(auditor, SEARCH, { first: 20 });
    expectVerified(
      one.data.accessLog.entries.map((e) => e.proof),
      1,
    );
    expectVerified(
      twenty.data.accessLog.entries.map((e) => e.proof),
      20,
    );
    expect(twenty.statements).toBe(one.statements);
    expect(one.statements).toBeLessThanOrEqual(6);
  });
});
