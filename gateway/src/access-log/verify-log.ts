import type { SqlExecutor } from "@spx/runtime/database";
import {
  addSignatureLines,
  CompactRange,
  type Hash,
  leafHash,
  type NodeId,
  type NoteKey,
  openCheckpoint,
} from "@spx/runtime/tlog";
import { type AccessEntry, entryHash, GENESIS_HASH } from "./entry.js";
import { type EntryColumns, entryOf } from "./entry-row.js";
import { leafData } from "./leaf.js";

/** A checkpoint held outside the log's database: a witness's latest, or one a party was served. */
export interface OutsideCheckpoint {
  /** Where it comes from, for the messages (e.g. "witness witness.cndp.localhost", a file name). */
  label: string;
  note: string;
}

export interface VerifyLogOptions {
  sql: SqlExecutor;
  keys: { log: NoteKey; witnesses: readonly NoteKey[] };
  outside?: readonly OutsideCheckpoint[];
  onProgress?: (checked: number) => void;
  /** Entries read per statement. */
  batchSize?: number;
}

export type ProblemKind =
  | "changed"
  | "reordered"
  | "missing"
  | "truncated"
  | "chain"
  | "tree"
  | "checkpoint"
  | "cosignature"
  | "fork";

export interface Problem {
  kind: ProblemKind;
  message: string;
  /** The entry concerned, when one is. */
  seq?: number;
}

export interface LogCheck {
  entries: number;
  /** Entries of the hash chain (from before the tree). */
  chained: number;
  /** Leaves in the stored tree. */
  treeSize: number;
  checkpoints: number;
  /** Entries written and not yet sequenced (in no leaf yet). */
  pending: number;
  /** The largest checkpoint cosigned by a witness (whose cosignature verified), if any. */
  witnessed?: { size: number; by: string[]; source: string };
  problems: Problem[];
}

interface EntryRow extends EntryColumns {
  seq: string | number;
  prev_hash: string | null;
  hash: string | null;
  salt: Uint8Array | null;
  leaf_hash: Uint8Array | null;
}

const bytes = (value: Uint8Array | Buffer): Uint8Array => new Uint8Array(value);
const hex = (value: Uint8Array): string => Buffer.from(value).toString("hex");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** One signed checkpoint as known to the verifier, wherever it was found. */
interface KnownCheckpoint {
  size: number;
  root: Hash;
  source: string;
  /** Witnesses whose cosignature over it verified. */
  cosignedBy: string[];
}

const range = (first: number, last: number) => (first === last ? `entry #${first}` : `entries #${first} to #${last}`);

/**
 * Recomputes the access log from its stored entries and checks everything that vouches for them:
 * the old hash chain (for entries from before the tree), each entry's leaf, the stored tree's
 * nodes, every stored checkpoint (log signature, cosignatures, root against the recomputed tree)
 * and the checkpoints held outside (a witness's, a party's), naming what is wrong. Reads one
 * snapshot of the database (a repeatable-read transaction), so the running system may go on
 * appending meanwhile.
 */
export async function verifyAccessLog(options: VerifyLogOptions): Promise<LogCheck> {
  return options.sql.transaction(async (tx) => {
    await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return verifySnapshot(tx, options);
  });
}

async function verifySnapshot(sql: SqlExecutor, options: VerifyLogOptions): Promise<LogCheck> {
  const problems: Problem[] = [];
  const { log, witnesses } = options.keys;
  const known: KnownCheckpoint[] = [];

  // Stored checkpoints and their cosignatures: each must verify with the published keys.
  const stored = await sql.query<{ size: string | number; root: Uint8Array; note: string }>(
    "SELECT size, root, note FROM access_log_checkpoint ORDER BY size",
  );
  const cosignatures = await sql.query<{ size: string | number; witness: string; line: string }>(
    "SELECT size, witness, line FROM access_log_cosignature ORDER BY size, witness",
  );
  const linesBySize = new Map<number, { witness: string; line: string }[]>();
  for (const row of cosignatures) {
    const size = Number(row.size);
    linesBySize.set(size, [...(linesBySize.get(size) ?? []), { witness: row.witness, line: row.line }]);
  }
  for (const row of stored) {
    const size = Number(row.size);
    let checkpoint: { size: number; root: Hash };
    try {
      checkpoint = openCheckpoint(row.note, log).checkpoint;
    } catch (error) {
      problems.push({
        kind: "checkpoint",
        message: `the stored checkpoint of size ${size} does not verify with the log key (${(error as Error).message})`,
      });
      continue;
    }
    if (checkpoint.size !== size || !same(checkpoint.root, bytes(row.root))) {
      problems.push({
        kind: "checkpoint",
        message: `the stored checkpoint of size ${size} says otherwise in its signed note (size ${checkpoint.size})`,
      });
    }
    const cosignedBy: string[] = [];
    for (const { witness, line } of linesBySize.get(size) ?? []) {
      if (!witnesses.some((key) => key.name === witness)) {
        continue;
      }
      try {
        const opened = openCheckpoint(addSignatureLines(row.note, [line]), log, witnesses);
        if (opened.cosignedBy.some((c) => c.name === witness)) {
          cosignedBy.push(witness);
        } else {
          throw new Error("no cosignature of that witness in the line");
        }
      } catch {
        problems.push({
          kind: "cosignature",
          message: `the cosignature of ${witness} over the stored checkpoint of size ${size} does not verify: the checkpoint was changed or re-signed after ${witness} cosigned it`,
        });
      }
    }
    known.push({ size: checkpoint.size, root: checkpoint.root, source: "the log's database", cosignedBy });
  }

  // Checkpoints from outside: they must be this log's, and are compared like the stored ones.
  for (const outside of options.outside ?? []) {
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(outside.note, log, witnesses);
    } catch (error) {
      throw new Error(`${outside.label}: not a checkpoint signed by the log key (${(error as Error).message})`);
    }
    known.push({
      size: opened.checkpoint.size,
      root: opened.checkpoint.root,
      source: outside.label,
      cosignedBy: opened.cosignedBy.map((c) => c.name),
    });
  }

  // A fork: the log signed two different trees of one size (shown to different parties).
  const bySize = new Map<number, KnownCheckpoint[]>();
  for (const checkpoint of known) {
    bySize.set(checkpoint.size, [...(bySize.get(checkpoint.size) ?? []), checkpoint]);
  }
  for (const [size, group] of bySize) {
    const first = group[0] as KnownCheckpoint;
    const other = group.find((c) => !same(c.root, first.root));
    if (other) {
      const describe = (c: KnownCheckpoint) =>
        `${c.source}${c.cosignedBy.length > 0 ? ` (cosigned by ${c.cosignedBy.join(", ")})` : ""}`;
      problems.push({
        kind: "fork",
        message: `forked log: two checkpoints of size ${size} signed by the log key with different roots, one from ${describe(first)}, one from ${describe(other)}`,
      });
    }
  }

  const [treeRow] = await sql.query<{ size: string | number | null }>(
    "SELECT max(index) + 1 AS size FROM access_log_tree WHERE level = 0",
  );
  const treeSize = Number(treeRow?.size ?? 0);

  // The entries, in order: the old chain, each leaf, the tree's nodes; roots at every checkpoint's size.
  const wanted = new Set(known.map((c) => c.size));
  const roots = new Map<number, Hash>();
  if (wanted.has(0)) {
    roots.set(0, CompactRange.empty().root());
  }
  const tree = CompactRange.empty();
  const mismatched: { seq: number; entry: AccessEntry; salt: Uint8Array; computed: Hash; stored: Hash }[] = [];
  /** The stored tree's leaves that differ from the entries' (when the leaf table was rewritten too). */
  const treeLeaves: { seq: number; computed: Hash; stored: Hash }[] = [];
  const nodeProblems: Problem[] = [];
  const batchSize = options.batchSize ?? 5000;
  let expected = 1;
  let entries = 0;
  let chained = 0;
  let chainHead = GENESIS_HASH;
  let chainOpen = true;
  let unleafed: number | undefined;
  for (;;) {
    const rows = await sql.query<EntryRow>(
      `SELECT e.seq, e.id, e.at, e.request_id, e.agency, e.role, e.subject, e.caller_idcs, e.purpose,
              e.operation_name, e.document_hash, e.document_id, e.served, e.refused, e.kinds, e.persons,
              e.prev_hash, e.hash, l.salt, l.leaf_hash
         FROM access_log e LEFT JOIN access_log_leaf l ON l.seq = e.seq
        WHERE e.seq >= $1 ORDER BY e.seq LIMIT $2`,
      [expected, batchSize],
    );
    const computedNodes: { id: NodeId; hash: Hash }[] = [];
    for (const row of rows) {
      const seq = Number(row.seq);
      const entry = entryOf(row);
      if (seq !== expected) {
        problems.push({
          kind: "missing",
          seq: expected,
          message: `${range(expected, seq - 1)} ${seq - 1 === expected ? "is" : "are"} missing (deleted from the middle of the log)`,
        });
        // The tree goes on with the entries there are; the checkpoints then fail from here on.
      }
      expected = seq + 1;
      entries += 1;
      if (row.hash !== null) {
        chained += 1;
        if (!chainOpen) {
          problems.push({
            kind: "chain",
            seq,
            message: `entry #${seq} carries a chain hash after the cut-over to the tree`,
          });
        } else if (row.prev_hash !== chainHead) {
          problems.push({
            kind: "chain",
            seq,
            message: `entry #${seq} does not follow the entry before it in the hash chain (previous hash differs)`,
          });
        } else if (entryHash(chainHead, seq, entry) !== row.hash) {
          problems.push({
            kind: "changed",
            seq,
            message: `entry #${seq} (${entry.id}) was changed after it was written (its chain hash differs)`,
          });
        }
        chainHead = row.hash;
      } else {
        chainOpen = false;
      }
      if (row.salt === null || row.leaf_hash === null) {
        // Chained entries not yet integrated by the sequencer form the tail; any other has lost its leaf.
        if (row.hash === null || seq <= treeSize) {
          problems.push({ kind: "tree", seq, message: `entry #${seq} has no leaf (its salt and leaf hash are gone)` });
        }
        unleafed ??= seq;
        continue;
      }
      if (unleafed !== undefined) {
        problems.push({
          kind: "tree",
          seq,
          message: `entry #${seq} has a leaf after entry #${unleafed}, which has none`,
        });
      }
      const salt = bytes(row.salt);
      const computed = leafHash(leafData(entry, salt));
      const storedLeaf = bytes(row.leaf_hash);
      if (!same(computed, storedLeaf)) {
        mismatched.push({ seq, entry, salt, computed, stored: storedLeaf });
      }
      tree.append(computed, (id, hash) => computedNodes.push({ id, hash }));
      if (wanted.has(tree.size)) {
        roots.set(tree.size, tree.root());
      }
    }
    treeLeaves.push(...(await compareNodes(sql, computedNodes, treeSize, nodeProblems)));
    options.onProgress?.(entries);
    if (rows.length < batchSize) {
      break;
    }
  }

  // Changed leaves: a pair that has each other's leaf was reordered; any other was edited.
  const paired = new Set<number>();
  for (const a of mismatched) {
    if (paired.has(a.seq)) {
      continue;
    }
    const b = mismatched.find(
      (other) =>
        other.seq !== a.seq &&
        !paired.has(other.seq) &&
        (same(leafHash(leafData(a.entry, other.salt)), other.stored) || same(a.computed, other.stored)),
    );
    if (b) {
      paired.add(a.seq).add(b.seq);
      problems.push({
        kind: "reordered",
        seq: a.seq,
        message: `entries #${a.seq} and #${b.seq} were swapped (each holds the other's recorded leaf): a reordered pair`,
      });
    }
  }
  for (const m of mismatched) {
    if (!paired.has(m.seq)) {
      problems.push({
        kind: "changed",
        seq: m.seq,
        message: `entry #${m.seq} (${m.entry.id}) was changed after it was written (its leaf hash differs from the recorded one)`,
      });
    }
  }

  // Leaves rewritten in the leaf table and not in the tree: the tree's leaf tells the same story.
  const pairedInTree = new Set<number>();
  for (const a of treeLeaves) {
    const b = treeLeaves.find(
      (other) => other.seq !== a.seq && !pairedInTree.has(other.seq) && same(a.computed, other.stored),
    );
    if (b && !pairedInTree.has(a.seq) && !paired.has(a.seq)) {
      pairedInTree.add(a.seq).add(b.seq);
      problems.push({
        kind: "reordered",
        seq: Math.min(a.seq, b.seq),
        message: `entries #${Math.min(a.seq, b.seq)} and #${Math.max(a.seq, b.seq)} were swapped (each is where the tree has the other's leaf): a reordered pair`,
      });
    }
  }
  for (const leaf of treeLeaves) {
    if (!pairedInTree.has(leaf.seq) && !paired.has(leaf.seq) && !mismatched.some((m) => m.seq === leaf.seq)) {
      problems.push({
        kind: "changed",
        seq: leaf.seq,
        message: `entry #${leaf.seq} was changed after it was written (its leaf differs from the one in the stored tree)`,
      });
    }
  }
  // Nodes above a changed leaf all differ: the first few say where.
  const NODE_PROBLEMS = 5;
  problems.push(...nodeProblems.slice(0, NODE_PROBLEMS));
  if (nodeProblems.length > NODE_PROBLEMS) {
    problems.push({
      kind: "tree",
      message: `and ${nodeProblems.length - NODE_PROBLEMS} more nodes of the stored tree differ`,
    });
  }

  const leaves = tree.size;
  if (treeSize > leaves) {
    problems.push({
      kind: "truncated",
      seq: leaves + 1,
      message: `${range(leaves + 1, treeSize)} ${treeSize === leaves + 1 ? "is" : "are"} missing: the stored tree has ${treeSize} leaves (the log was truncated)`,
    });
  }

  // Every checkpoint against the recomputed tree, in size order: one that no longer matches is
  // inconsistent with the last witnessed one that does (a witness vouched for the entries up to
  // there), and the change lies between the two.
  const ordered = [...known].sort((a, b) => a.size - b.size || b.cosignedBy.length - a.cosignedBy.length);
  let lastGood: KnownCheckpoint | undefined;
  const reported = new Set<string>();
  for (const checkpoint of ordered) {
    const who =
      checkpoint.cosignedBy.length > 0
        ? `the checkpoint of size ${checkpoint.size} cosigned by ${checkpoint.cosignedBy.join(", ")} (${checkpoint.source})`
        : `the checkpoint of size ${checkpoint.size} (${checkpoint.source})`;
    if (checkpoint.size > leaves) {
      const key = `truncated:${checkpoint.size}`;
      if (!reported.has(key)) {
        reported.add(key);
        problems.push({
          kind: "truncated",
          seq: leaves + 1,
          message: `the log has ${leaves} leaves but ${who} covers ${checkpoint.size}: ${range(leaves + 1, checkpoint.size)} ${checkpoint.size === leaves + 1 ? "is" : "are"} missing (the log was truncated)`,
        });
      }
      continue;
    }
    const root = roots.get(checkpoint.size);
    if (root && same(root, checkpoint.root)) {
      if (checkpoint.cosignedBy.length > 0) {
        lastGood = checkpoint;
      }
      continue;
    }
    const key = `root:${checkpoint.size}:${hex(checkpoint.root)}`;
    if (reported.has(key)) {
      continue;
    }
    reported.add(key);
    const after = lastGood && lastGood.size < checkpoint.size ? lastGood.size : 0;
    problems.push({
      kind: "checkpoint",
      seq: after + 1,
      message: `the entries no longer have the root of ${who}: it is not consistent with the entries${after > 0 ? ` nor with the earlier witnessed checkpoint of size ${after}` : ""}; ${range(after + 1, checkpoint.size)} ${after + 1 === checkpoint.size ? "was" : "hold one that was"} changed, removed or reordered`,
    });
  }

  const [incoming] = await sql.query<{ n: string | number }>("SELECT count(*) AS n FROM access_log_incoming");
  const witnessedCheckpoints = known.filter((c) => c.cosignedBy.length > 0).sort((a, b) => b.size - a.size);
  const latestWitnessed = witnessedCheckpoints[0];
  return {
    entries,
    chained,
    treeSize,
    checkpoints: stored.length,
    pending: Number(incoming?.n ?? 0),
    ...(latestWitnessed
      ? {
          witnessed: {
            size: latestWitnessed.size,
            by: [
              ...new Set(
                witnessedCheckpoints.filter((c) => c.size === latestWitnessed.size).flatMap((c) => c.cosignedBy),
              ),
            ],
            source: latestWitnessed.source,
          },
        }
      : {}),
    problems,
  };
}

/**
 * The stored tree's nodes against the recomputed ones, one statement per batch of entries. Returns
 * the leaves (level 0) that differ; problems with higher nodes are added to `problems`.
 */
async function compareNodes(
  sql: SqlExecutor,
  computed: readonly { id: NodeId; hash: Hash }[],
  treeSize: number,
  problems: Problem[],
): Promise<{ seq: number; computed: Hash; stored: Hash }[]> {
  const inTree = computed.filter(({ id }) => (id.index + 1) * 2 ** id.level <= treeSize);
  const leaves: { seq: number; computed: Hash; stored: Hash }[] = [];
  if (inTree.length === 0) {
    return leaves;
  }
  const rows = await sql.query<{ level: number; index: string | number; hash: Uint8Array }>(
    `SELECT t.level, t.index, t.hash
       FROM unnest($1::smallint[], $2::bigint[]) AS q(level, index)
       JOIN access_log_tree t ON t.level = q.level AND t.index = q.index`,
    [inTree.map(({ id }) => id.level), inTree.map(({ id }) => id.index)],
  );
  const storedNodes = new Map(rows.map((row) => [`${row.level}/${Number(row.index)}`, bytes(row.hash)]));
  for (const { id, hash } of inTree) {
    const stored = storedNodes.get(`${id.level}/${id.index}`);
    const leaf =
      id.level === 0
        ? ` (the leaf of entry #${id.index + 1})`
        : ` (over entries #${id.index * 2 ** id.level + 1} to #${(id.index + 1) * 2 ** id.level})`;
    if (!stored) {
      problems.push({ kind: "tree", message: `the stored tree lacks node ${id.level}/${id.index}${leaf}` });
    } else if (!same(stored, hash) && id.level === 0) {
      leaves.push({ seq: id.index + 1, computed: hash, stored });
    } else if (!same(stored, hash)) {
      problems.push({
        kind: "tree",
        seq: id.index * 2 ** id.level + 1,
        message: `the stored tree's node ${id.level}/${id.index}${leaf} differs from the one recomputed from the entries`,
      });
    }
  }
  return leaves;
}

/** The report `npm run audit:verify` prints: exit 0 and one line when intact, 1 and the problems otherwise. */
export function describeCheck(check: LogCheck, seconds: number): { exitCode: 0 | 1; text: string } {
  const witnessed = check.witnessed
    ? `latest witnessed checkpoint: size ${check.witnessed.size}, cosigned by ${check.witnessed.by.join(", ")} (${check.witnessed.source})`
    : "no witnessed checkpoint found";
  if (check.problems.length === 0) {
    return {
      exitCode: 0,
      text: `access log intact: ${check.entries} entries (${check.chained} of them hash-chained), tree of ${check.treeSize} leaves, ${check.checkpoints} checkpoints, verified in ${seconds.toFixed(1)} s; ${witnessed}${check.pending > 0 ? `; ${check.pending} pending (written, not yet sequenced)` : ""}\n`,
    };
  }
  const first = check.problems.find((p) => p.seq !== undefined);
  const shown = 50;
  const lines = [
    `access log BROKEN${first ? ` at entry #${first.seq}` : ""}: ${check.problems.length} problem${check.problems.length === 1 ? "" : "s"} in ${check.entries} entries`,
    ...check.problems.slice(0, shown).map((problem) => `- ${problem.kind}: ${problem.message}`),
    ...(check.problems.length > shown ? [`- and ${check.problems.length - shown} more`] : []),
    witnessed,
  ];
  return { exitCode: 1, text: `${lines.join("\n")}\n` };
}
