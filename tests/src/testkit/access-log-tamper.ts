import { type EntryColumns, entryOf } from "@spx/gateway/access-log/entry-row";
import { leafData } from "@spx/gateway/access-log/leaf";
import type { SqlExecutor } from "@spx/runtime/database";
import {
  CompactRange,
  checkpointText,
  type Hash,
  leafHash,
  type NoteSigner,
  rootOf,
  signNote,
} from "@spx/runtime/tlog";

/*
 * What a database superuser who also holds the log's signing key can do to the access log's tables:
 * the tamper tests (audit:verify's and the witness's) carry out each attack with these.
 */

/**
 * As a database superuser could: the append-only triggers (and foreign keys) off, in one
 * transaction. On the embedded server a connection takes its register's role per unit of work;
 * the superuser's is one RESET ROLE away (a development database, said so in embedded-server.ts).
 */
export async function asSuperuser(sql: SqlExecutor, fn: (session: SqlExecutor) => Promise<void>): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.exec("RESET ROLE");
    await tx.exec("SET LOCAL session_replication_role = replica");
    await fn(tx);
  });
}

interface EntryRow extends EntryColumns {
  salt: Uint8Array;
}

/** The leaves as the entries now say (the attacker holds the database, so the salts too). */
export async function recomputedLeaves(sql: SqlExecutor): Promise<Hash[]> {
  const rows = await sql.query<EntryRow>(
    "SELECT e.*, l.salt FROM access_log e JOIN access_log_leaf l ON l.seq = e.seq ORDER BY e.seq",
  );
  return rows.map((row) => leafHash(leafData(entryOf(row), new Uint8Array(row.salt))));
}

const hex = (hash: Hash) => Buffer.from(hash).toString("hex");

/**
 * The thorough attacker, who also holds the log's signing key: after changing entries (numbered
 * 1..n again if some were deleted), rewrites every leaf and every tree node, drops the checkpoints
 * beyond n, re-signs every checkpoint from `fromSize` on, and deletes the cosignatures that no
 * longer fit. The log's tables then agree with themselves; only what is outside (a witness's own
 * copy, a checkpoint a party kept) is out of reach.
 */
export async function rewriteHistory(
  session: SqlExecutor,
  signer: NoteSigner,
  origin: string,
  fromSize: number,
): Promise<void> {
  const leaves = await recomputedLeaves(session);
  const tree = CompactRange.empty();
  const nodes: { level: number; index: number; hash: Hash }[] = [];
  for (const [index, leaf] of leaves.entries()) {
    await session.query("UPDATE access_log_leaf SET leaf_hash = $2 WHERE seq = $1", [index + 1, leaf]);
    tree.append(leaf, (id, hash) => nodes.push({ ...id, hash }));
  }
  await session.query("DELETE FROM access_log_tree");
  await session.query(
    `INSERT INTO access_log_tree (level, index, hash)
     SELECT level, index, decode(hash, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS n(level, index, hash)`,
    [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => hex(n.hash))],
  );
  await session.query("DELETE FROM access_log_cosignature WHERE size >= $1 OR size > $2", [fromSize, leaves.length]);
  await session.query("DELETE FROM access_log_checkpoint WHERE size > $1", [leaves.length]);
  const sizes = await session.query<{ size: string }>("SELECT size FROM access_log_checkpoint WHERE size >= $1", [
    fromSize,
  ]);
  for (const { size } of sizes) {
    const root = rootOf(leaves.slice(0, Number(size)));
    const note = signNote(checkpointText({ origin, size: Number(size), root }), signer);
    await session.query("UPDATE access_log_checkpoint SET root = $2, note = $3 WHERE size = $1", [size, root, note]);
  }
}
