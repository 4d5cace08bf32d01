import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CheckpointStore, cosignedNote } from "@spx/gateway/access-log/checkpoints";
import type { AccessEntry } from "@spx/gateway/access-log/entry";
import { canonicalEntry } from "@spx/gateway/access-log/entry";
import { leafData, parseLeaf, personCommitment, personSalt } from "@spx/gateway/access-log/leaf";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { applyMigrations, readMigrations, type SqlExecutor } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import {
  cosignatureLine,
  leafHash,
  noteKeyFromJwk,
  noteSigner,
  openCheckpoint,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "@spx/runtime/tlog";
import { generateSigningKey } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { accessEntry } from "./testkit/fixtures.js";

const ORIGIN = "spx.test/access-log";
const logger = createLogger("test", "silent");

async function logKey() {
  const { privateJwk, key } = await generateSigningKey();
  return { signer: noteSigner(ORIGIN, privateJwk as Parameters<typeof noteSigner>[1]), publicJwk: key.publicJwk };
}

function sequencer(sql: SqlExecutor, signer: ReturnType<typeof noteSigner>, batchSize?: number) {
  return new Sequencer({
    sql,
    signer,
    origin: ORIGIN,
    intervalMs: 50,
    checkpointIntervalMs: 1000,
    logger,
    ...(batchSize ? { batchSize } : {}),
  });
}

/** The leaves as a verifier recomputes them from the stored entries and their salts. */
async function recomputedLeaves(sql: SqlExecutor): Promise<Uint8Array[]> {
  const store = new AccessLogStore(sql);
  const rows = await sql.query<{ id: string }>("SELECT id FROM access_log ORDER BY seq");
  const leaves: Uint8Array[] = [];
  for (const { id } of rows) {
    const entry = await store.entryById(id);
    if (!entry) {
      throw new Error(`entry ${id} is gone`);
    }
    leaves.push(leafHash(leafData(entry, entry.salt)));
  }
  return leaves;
}

describe("leaf encoding", () => {
  const salt = randomBytes(32);
  const entry = accessEntry({ persons: ["100000000001", "100000000002"], subject: "cnss:agent-17" });

  it("commits to each person so that only that person's salt opens their commitment", () => {
    const leaf = parseLeaf(leafData(entry, salt));
    expect(leaf.personCommitments).toHaveLength(2);
    const mine = personCommitment(personSalt(salt, "100000000001"), "100000000001");
    expect(leaf.personCommitments).toContain(mine);
    // The first person's salt does not open the second's commitment, nor names them.
    const mySalt = personSalt(salt, "100000000001");
    expect(leaf.personCommitments).not.toContain(personCommitment(mySalt, "100000000002"));
    // Nothing in the leaf names a person, the official or the request.
    const text = new TextDecoder().decode(leafData(entry, salt));
    for (const secret of [...entry.persons, entry.subject, entry.requestId]) {
      expect(text).not.toContain(secret);
    }
  });

  it("changes with any recorded field and with the salt", () => {
    const base = Buffer.from(leafData(entry, salt)).toString("hex");
    for (const changed of [
      { ...entry, purpose: "STATISTICS" },
      { ...entry, subject: "someone:else" },
      { ...entry, persons: ["100000000001"] },
      { ...entry, at: new Date(entry.at.getTime() + 1) },
      { ...entry, documentId: "a".repeat(64) },
    ]) {
      expect(Buffer.from(leafData(changed, salt)).toString("hex")).not.toBe(base);
    }
    expect(Buffer.from(leafData(entry, randomBytes(32))).toString("hex")).not.toBe(base);
  });

  it("refuses malformed leaves", () => {
    const good = JSON.parse(new TextDecoder().decode(leafData(entry, salt))) as unknown[];
    const bad = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(() => parseLeaf(bad(good.slice(1)))).toThrow(/13 members/);
    expect(() => parseLeaf(bad(["other/v1", ...good.slice(1)]))).toThrow(/format/);
    expect(() => parseLeaf(bad([...good.slice(0, 11), ["zz"], good[12]]))).toThrow(/person commitments/);
    expect(() => parseLeaf(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8 JSON/);
  });
});

describe("the tree in the database", () => {
  let database: TestDatabase;
  let store: AccessLogStore;
  let key: Awaited<ReturnType<typeof logKey>>;

  beforeAll(async () => {
    database = await createTestDatabase("log_tree", ACCESS_LOG_MIGRATIONS);
    store = new AccessLogStore(database.database.sql);
    key = await logKey();
  });
  afterAll(() => database?.drop());

  it("sequences pending entries into leaves whose proofs verify against signed checkpoints", async () => {
    const { sql } = database.database;
    const seq = sequencer(sql, key.signer, 7);
    const checkpoints: number[] = [];
    seq.onCheckpoint((c) => checkpoints.push(c.size));
    const sizes: { size: number; root: Uint8Array }[] = [];
    const written: AccessEntry[] = [];
    for (const count of [1, 2, 5, 13, 1, 21]) {
      const batch = Array.from({ length: count }, () => accessEntry());
      expect(await store.append(batch)).toBe(count);
      written.push(...batch);
      const pending = await store.entryById(batch[0]?.id ?? "");
      expect(pending?.seq).toBeNull();
      const checkpoint = await seq.flush();
      expect(checkpoint?.size).toBe(written.length);
      sizes.push({ size: checkpoint?.size ?? 0, root: checkpoint?.root ?? new Uint8Array() });
    }
    expect(checkpoints).toEqual(sizes.map((s) => s.size));
    const leaves = await recomputedLeaves(sql);
    expect(leaves).toHaveLength(written.length);
    const tree = new AccessLogTree(sql);
    expect(await tree.size()).toBe(written.length);
    const logPublic = noteKeyFromJwk(ORIGIN, key.publicJwk as Parameters<typeof noteKeyFromJwk>[1]);
    for (const { size, root } of sizes) {
      expect(Buffer.from(root)).toEqual(Buffer.from(rootOf(leaves.slice(0, size))));
      const stored = await new CheckpointStore(sql).atSize(size);
      const opened = openCheckpoint(stored?.note ?? "", logPublic);
      expect(opened.checkpoint).toMatchObject({ origin: ORIGIN, size });
      expect(Buffer.from(opened.checkpoint.root)).toEqual(Buffer.from(root));
      for (const index of new Set([0, Math.floor(size / 2), size - 1])) {
        verifyInclusion(index, size, leaves[index] as Uint8Array, await tree.inclusionProof(index, size), root);
      }
    }
    for (const [i, from] of sizes.entries()) {
      for (const to of sizes.slice(i)) {
        verifyConsistency(from.size, to.size, from.root, to.root, await tree.consistencyProof(from.size, to.size));
      }
    }
    // Each entry is read back with its place (the last batch's, in the order of its one statement).
    const last = written.at(-1) as AccessEntry;
    const read = await store.entryById(last.id);
    expect(read).toMatchObject({ prevHash: null, hash: null });
    expect(read?.seq).toBeGreaterThan(written.length - 21);
    expect(read?.leafIndex).toBe((read?.seq ?? 0) - 1);
    expect(Buffer.from(leafHash(leafData(last, read?.salt ?? new Uint8Array())))).toEqual(
      Buffer.from(leaves[read?.leafIndex ?? -1] ?? []),
    );
  });

  it("stores cosignatures once per witness and finds the newest checkpoint every witness cosigned", async () => {
    const { sql } = database.database;
    const checkpoints = new CheckpointStore(sql, ["w1.test", "w2.test"]);
    const latest = await checkpoints.latest();
    const size = latest?.size ?? 0;
    const w1 = noteSigner("w1.test", (await generateSigningKey()).privateJwk as Parameters<typeof noteSigner>[1], 0x04);
    const text = (latest?.note ?? "").split("\n\n")[0] ?? "";
    const line = cosignatureLine(`${text}\n`, w1, Math.floor(Date.now() / 1000));
    await checkpoints.addCosignature(size, "w1.test", line);
    await checkpoints.addCosignature(size, "w1.test", line);
    expect((await checkpoints.atSize(size))?.cosignatures).toHaveLength(1);
    expect(await checkpoints.latestWitnessed()).toBeUndefined();
    expect((await checkpoints.latestWitnessed(0, ["w1.test"]))?.size).toBe(size);
    expect(cosignedNote((await checkpoints.atSize(size)) as NonNullable<typeof latest>)).toContain(line.trim());
  });

  it("refuses to change or remove what the tree holds", async () => {
    const { sql } = database.database;
    await store.append([accessEntry()]);
    for (const statement of [
      "UPDATE access_log_leaf SET salt = salt",
      "DELETE FROM access_log_tree",
      "TRUNCATE access_log_checkpoint CASCADE",
      "UPDATE access_log_incoming SET purpose = 'AUDIT'",
      "DELETE FROM access_log_cosignature",
    ]) {
      await expect(sql.query(statement)).rejects.toThrow(/append-only/);
    }
  });
});

describe("the cut-over from the hash chain", () => {
  let database: TestDatabase;
  let migrations: string;

  beforeAll(async () => {
    // The migrations before the tree's: a log as the previous version left it.
    migrations = mkdtempSync(path.join(tmpdir(), "spx-log-migrations-"));
    for (const migration of readMigrations(ACCESS_LOG_MIGRATIONS)) {
      if (migration.name < "20261202000000") {
        cpSync(path.join(ACCESS_LOG_MIGRATIONS, migration.name), path.join(migrations, migration.name), {
          recursive: true,
        });
      }
    }
    database = await createTestDatabase("log_cutover", migrations);
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(migrations, { recursive: true, force: true });
  });

  it("makes the chained entries the first leaves, in seq order, then sequences new ones after them", async () => {
    const { sql } = database.database;
    const chained = Array.from({ length: 9 }, () => accessEntry());
    for (const batch of [chained.slice(0, 4), chained.slice(4)]) {
      await sql.query("SELECT access_log_append($1::jsonb)", [
        JSON.stringify(batch.map((e) => ({ ...e, canonical: canonicalEntry(e) }))),
      ]);
    }
    await applyMigrations(sql, ACCESS_LOG_MIGRATIONS);
    const store = new AccessLogStore(sql);
    // Still verifiable as a chain beside the tree.
    expect(await store.verify()).toEqual({ entries: 9 });
    const fresh = Array.from({ length: 5 }, () => accessEntry());
    await store.append(fresh);
    // Chunks smaller than the old chain: the cut-over takes two rounds before the new entries.
    const key = await logKey();
    const checkpoint = await sequencer(sql, key.signer, 4).flush();
    expect(checkpoint?.size).toBe(14);
    const order = await sql.query<{ id: string; seq: string; hash: string | null }>(
      "SELECT id, seq, hash FROM access_log ORDER BY seq",
    );
    // The old entries keep their order; the new ones (written in one statement) follow in any.
    expect(order.slice(0, 9).map((row) => row.id)).toEqual(chained.map((e) => e.id));
    expect(
      order
        .slice(9)
        .map((row) => row.id)
        .sort(),
    ).toEqual(fresh.map((e) => e.id).sort());
    expect(order.slice(0, 9).every((row) => row.hash !== null)).toBe(true);
    expect(order.slice(9).every((row) => row.hash === null)).toBe(true);
    const leaves = await recomputedLeaves(sql);
    expect(Buffer.from(checkpoint?.root ?? [])).toEqual(Buffer.from(rootOf(leaves)));
    expect(await store.verify()).toEqual({ entries: 9 });
  });
});
