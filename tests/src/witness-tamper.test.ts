import { CheckpointStore, type StoredCheckpoint } from "@spx/gateway/access-log/checkpoints";
import { publicNoteKey } from "@spx/gateway/access-log/log-keys";
import { AccessLogProofs } from "@spx/gateway/access-log/proof-bundle";
import { accessLogRoutes } from "@spx/gateway/access-log/routes";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { describeCheck, verifyAccessLog } from "@spx/gateway/access-log/verify-log";
import type { SqlExecutor } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import { addCheckpointBody, type Hash, type NoteKey, type NoteSigner, parseCheckpoint } from "@spx/runtime/tlog";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import type { TrustedLog } from "@spx/witness/env";
import { fetchConsistencyProof, type PollOutcome } from "@spx/witness/poll";
import { createWitnessService } from "@spx/witness/server";
import { WITNESS_MIGRATIONS } from "@spx/witness/witness-store";
import { TEST_ORIGIN, testNoteSigner } from "./testkit/access-log-keys.js";
import { asSuperuser, rewriteHistory } from "./testkit/access-log-tamper.js";
import { accessEntry } from "./testkit/fixtures.js";

/*
 * The five attacks of issue 20 on a real log (its tables on a real database, served by the gateway's
 * own /access-log routes), each carried out by a superuser with the triggers off who holds the log's
 * key and rewrites the tables so that they agree with themselves: entries, leaves, tree and
 * re-signed checkpoints, grown by a few entries where the attack allows. Two real witnesses (each on
 * its own database, on port 0) had cosigned every checkpoint before: one the log submits to
 * (add-checkpoint), one that polls the log (pull mode). Each is shown the result, refuses it, cosigns
 * nothing, and raises the alarm that names what is wrong, with the sizes.
 */

const SUBMITTED = "witness-a.test.localhost";
const POLLING = "witness-b.test.localhost";
const ENTRIES = 40;
const PER_CHECKPOINT = 5;
const logger = createLogger("test", "silent");
const base64 = (hash: Hash) => Buffer.from(hash).toString("base64");

interface ListedAlarm {
  reason: string;
  source: string;
  cosigned: { size: number; root: string };
  seen: { size: number; root: string };
  detail: string;
  note: string;
}

class RealWitness {
  private constructor(
    readonly name: string,
    readonly database: TestDatabase,
    readonly service: Awaited<ReturnType<typeof createWitnessService>>,
    readonly server: RunningServer,
    readonly key: NoteKey,
  ) {}

  static async start(name: string, log: TrustedLog): Promise<RealWitness> {
    const signer = testNoteSigner(name, 0x04);
    const database = await createTestDatabase(`witness_${name.slice(8, 9)}`, WITNESS_MIGRATIONS);
    const service = await createWitnessService({
      sql: database.database.sql,
      logs: [log],
      signer,
      logger,
      pollIntervalMs: 0,
    });
    const server = await listen(service.handler, 0);
    return new RealWitness(name, database, service, server, publicNoteKey(signer));
  }

  async post(body: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.server.url}/add-checkpoint`, { method: "POST", body });
    return { status: response.status, text: await response.text() };
  }

  async alarms(): Promise<ListedAlarm[]> {
    return (await (await fetch(`${this.server.url}/alarms`)).json()) as ListedAlarm[];
  }

  async metric(line: string): Promise<number> {
    const text = await (await fetch(`${this.server.url}/metrics`)).text();
    return Number(
      text
        .split("\n")
        .find((l) => l.startsWith(`${line} `))
        ?.split(" ")[1],
    );
  }

  /** The checkpoint it answers at GET /checkpoint: the latest it cosigned. */
  async cosigned(): Promise<{ size: number; root: string }> {
    const response = await fetch(`${this.server.url}/checkpoint`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const checkpoint = parseCheckpoint(text.slice(0, text.indexOf("\n\n") + 1));
    return { size: checkpoint.size, root: base64(checkpoint.root) };
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.database.drop();
  }
}

/** The log: its tables on a test database, the gateway's public routes over HTTP, and its key. */
interface Log {
  database: TestDatabase;
  sql: SqlExecutor;
  signer: NoteSigner;
  checkpoints: CheckpointStore;
  server: RunningServer;
  trusted: TrustedLog & { url: string };
  appended: number;
}

async function startLog(): Promise<Log> {
  const database = await createTestDatabase("witness_tamper", ACCESS_LOG_MIGRATIONS);
  const sql = database.database.sql;
  const signer = testNoteSigner(TEST_ORIGIN, 0x01);
  const checkpoints = new CheckpointStore(sql, [SUBMITTED]);
  const keys = { origin: TEST_ORIGIN, log: publicNoteKey(signer), witnesses: [] };
  const routes = accessLogRoutes(new AccessLogProofs(new AccessLogTree(sql), checkpoints, keys));
  const server = await listen((req, res) => {
    const route = routes[new URL(req.url ?? "/", "http://localhost").pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    void Promise.resolve(route(req, res)).catch(() => res.writeHead(500).end());
  }, 0);
  return {
    database,
    sql,
    signer,
    checkpoints,
    server,
    trusted: { origin: TEST_ORIGIN, key: publicNoteKey(signer), url: server.url },
    appended: 0,
  };
}

/**
 * `count` reads logged and sequenced into one new checkpoint. A fresh sequencer each time: after an
 * attack, as a gateway restarted on the rewritten tables (it reads the tree's frontier from them).
 */
async function append(log: Log, count: number): Promise<StoredCheckpoint> {
  await new AccessLogStore(log.sql).append(
    Array.from({ length: count }, () => {
      const n = log.appended++;
      return accessEntry({
        requestId: `witnessed-${n + 1}`,
        at: new Date(Date.UTC(2026, 11, 2, 10, 0, n)),
        agency: "CNSS",
        subject: `cnss:agent-${n}`,
        purpose: "AMO_ENROLMENT",
        persons: [`20000000${String(n).padStart(2, "0")}`],
      });
    }),
  );
  const sequencer = new Sequencer({
    sql: log.sql,
    signer: log.signer,
    origin: TEST_ORIGIN,
    intervalMs: 60_000,
    checkpointIntervalMs: 60_000,
    logger,
  });
  const checkpoint = await sequencer.flush();
  if (!checkpoint) {
    throw new Error("the sequencer signed no checkpoint");
  }
  return checkpoint;
}

/**
 * What the log's witness client submits: its latest checkpoint, from the size it last had cosigned
 * by this witness, with the proof the (possibly rewritten) log computes; after a 409, again from
 * the size the witness answered. The statuses, in order.
 */
async function submitLatest(log: Log, witness: RealWitness): Promise<number[]> {
  const latest = await log.checkpoints.latest();
  if (!latest) {
    throw new Error("no checkpoint");
  }
  const submit = async (oldSize: number) => {
    // A client cannot prove a tree consistent with a larger one: it sends no proof.
    const proof = oldSize < latest.size ? await fetchConsistencyProof(log.trusted, oldSize, latest.size) : [];
    return witness.post(addCheckpointBody(oldSize, proof, latest.note));
  };
  const first = await submit((await log.checkpoints.latestWitnessed(0, [witness.name]))?.size ?? 0);
  if (first.status === 200) {
    await log.checkpoints.addCosignature(latest.size, witness.name, first.text.trim());
  }
  if (first.status !== 409) {
    return [first.status];
  }
  const again = await submit(Number(first.text.trim()));
  if (again.status === 200) {
    await log.checkpoints.addCosignature(latest.size, witness.name, again.text.trim());
  }
  return [first.status, again.status];
}

const poll = (log: Log, witness: RealWitness): Promise<PollOutcome> => witness.service.poller.poll(log.trusted);

describe("the witness against a superuser who rewrites the log's tables consistently, with the log's key", () => {
  let log: Log;
  let submitted: RealWitness;
  let polling: RealWitness;
  /** What both witnesses cosigned last, before the attack. */
  let original: { size: number; root: string };

  beforeEach(async () => {
    log = await startLog();
    submitted = await RealWitness.start(SUBMITTED, log.trusted);
    polling = await RealWitness.start(POLLING, log.trusted);
    for (let n = 0; n < ENTRIES; n += PER_CHECKPOINT) {
      await append(log, PER_CHECKPOINT);
      expect(await submitLatest(log, submitted)).toEqual([200]);
      expect(await poll(log, polling)).toBe("cosigned");
    }
    const latest = await log.checkpoints.latest();
    original = { size: ENTRIES, root: base64(latest?.root ?? new Uint8Array()) };
    expect(await submitted.cosigned()).toEqual(original);
    expect(await polling.cosigned()).toEqual(original);
  }, 120_000);
  afterEach(async () => {
    await submitted?.stop();
    await polling?.stop();
    await log?.server.close();
    await log?.database.drop();
  });

  /** The one alarm each witness raised, of this reason, with what was cosigned and what it was shown. */
  async function expectAlarm(reason: "fork" | "truncated" | "inconsistent", detail: RegExp): Promise<void> {
    // The attack is consistent: the log's tables alone pass audit:verify (its witnessed checkpoint
    // is now the last one before the attack); only a witness's own copy tells.
    const alone = describeCheck(
      await verifyAccessLog({ sql: log.sql, keys: { log: log.trusted.key, witnesses: [submitted.key] }, outside: [] }),
      0,
    );
    expect(alone.text).toMatch(/access log intact/);
    expect(alone.exitCode).toBe(0);
    const tampered = await log.checkpoints.latest();
    const seen = { size: tampered?.size, root: base64(tampered?.root ?? new Uint8Array()) };
    expect(seen.root).not.toBe(original.root);
    for (const [witness, source] of [
      [submitted, "submission"],
      [polling, "poll"],
    ] as const) {
      const alarms = await witness.alarms();
      expect(alarms).toEqual([expect.objectContaining({ reason, source, cosigned: original, seen })]);
      expect(alarms[0]?.detail).toMatch(detail);
      expect(alarms[0]?.note).toBe(tampered?.note);
      expect(await witness.metric(`witness_alarms_total{reason="${reason}"}`)).toBe(1);
      // Nothing cosigned: the witness still answers with the tree it cosigned before the attack.
      expect(await witness.cosigned()).toEqual(original);
      expect(await witness.metric(`witness_cosigned_size{origin="${TEST_ORIGIN}"}`)).toBe(ENTRIES);
    }
  }

  it("an entry edited, its leaf, the tree and the later checkpoints recomputed and re-signed, then grown", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("UPDATE access_log SET agency = 'ANSS' WHERE seq = 17");
      await rewriteHistory(s, log.signer, TEST_ORIGIN, 17);
    });
    await append(log, 5);
    // The log believes the witness at 15 (the cosignatures from 17 on deleted); told 40, it proves 40 to 45.
    expect(await submitLatest(log, submitted)).toEqual([409, 422]);
    expect(await poll(log, polling)).toBe("refused");
    expect(await poll(log, polling)).toBe("refused");
    await expectAlarm("inconsistent", /consistency proof from 40 to 45 fails/);
  });

  it("a truncated tail: entries 36 to 40 deleted with their leaves, nodes, checkpoints and cosignatures, then 3 appended", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log WHERE seq > 35");
      await s.query("DELETE FROM access_log_leaf WHERE seq > 35");
      await rewriteHistory(s, log.signer, TEST_ORIGIN, 36);
    });
    await append(log, 3);
    // 409 (the witness is at 40), then 400: old size 40 is larger than the checkpoint's 38.
    expect(await submitLatest(log, submitted)).toEqual([409, 400]);
    expect(await poll(log, polling)).toBe("alarm");
    await expectAlarm("truncated", /38 entries after 40 were cosigned/);
  });

  it("a deleted middle entry: #12 gone, the later ones renumbered, the tree and checkpoints rebuilt, then grown", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log WHERE seq = 12");
      await s.query("DELETE FROM access_log_leaf WHERE seq = 12");
      for (const table of ["access_log", "access_log_leaf"]) {
        await s.query(`UPDATE ${table} SET seq = -(seq - 1) WHERE seq > 12`);
        await s.query(`UPDATE ${table} SET seq = -seq WHERE seq < 0`);
      }
      await rewriteHistory(s, log.signer, TEST_ORIGIN, 12);
    });
    await append(log, 4);
    expect((await log.checkpoints.latest())?.size).toBe(43);
    expect(await submitLatest(log, submitted)).toEqual([409, 422]);
    expect(await poll(log, polling)).toBe("refused");
    await expectAlarm("inconsistent", /consistency proof from 40 to 43 fails/);
  });

  it("a reordered pair: #21 and #22 swapped with their leaves, the tree and checkpoints rebuilt, then grown", async () => {
    await asSuperuser(log.sql, async (s) => {
      for (const table of ["access_log", "access_log_leaf"]) {
        await s.query(`UPDATE ${table} SET seq = -21 WHERE seq = 21`);
        await s.query(`UPDATE ${table} SET seq = 21 WHERE seq = 22`);
        await s.query(`UPDATE ${table} SET seq = 22 WHERE seq = -21`);
      }
      await rewriteHistory(s, log.signer, TEST_ORIGIN, 21);
    });
    await append(log, 5);
    expect(await submitLatest(log, submitted)).toEqual([409, 422]);
    expect(await poll(log, polling)).toBe("refused");
    await expectAlarm("inconsistent", /consistency proof from 40 to 45 fails/);
  });

  it("a fork: the witnesses cosigned one checkpoint of size 40, the log now shows another (#40 dropped, another appended)", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log WHERE seq = 40");
      await s.query("DELETE FROM access_log_leaf WHERE seq = 40");
      await rewriteHistory(s, log.signer, TEST_ORIGIN, 40);
    });
    const forked = await append(log, 1);
    expect(forked.size).toBe(ENTRIES);
    // 409 (the log believes the witness at 35), then 422: another root at the size cosigned.
    expect(await submitLatest(log, submitted)).toEqual([409, 422]);
    expect(await poll(log, polling)).toBe("alarm");
    await expectAlarm("fork", /checkpoint 40 has another root than the one cosigned at that size/);
  });

  it("what no witness sees: an entry edited with its leaf and checkpoints left alone (audit:verify names it)", async () => {
    await asSuperuser(log.sql, (s) =>
      s.query("UPDATE access_log SET purpose = 'STATISTICS' WHERE seq = 17").then(() => {}),
    );
    // What the log publishes did not change: to a witness, the log is as it was.
    expect(await submitLatest(log, submitted)).toEqual([200]);
    expect(await poll(log, polling)).toBe("unchanged");
    for (const witness of [submitted, polling]) {
      expect(await witness.alarms()).toEqual([]);
      expect(await witness.cosigned()).toEqual(original);
    }
    const check = await verifyAccessLog({
      sql: log.sql,
      keys: { log: log.trusted.key, witnesses: [submitted.key] },
      outside: [],
    });
    const report = describeCheck(check, 0);
    expect(report.exitCode).toBe(1);
    expect(report.text).toMatch(/changed: entry #17 .*was changed after it was written/);
  });
});
