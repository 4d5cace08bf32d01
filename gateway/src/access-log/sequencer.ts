import { randomBytes } from "node:crypto";
import type { SqlExecutor } from "@spx/runtime/database";
import type { Logger } from "@spx/runtime/logging";
import {
  CompactRange,
  checkpointText,
  frontierIds,
  type Hash,
  leafHash,
  type NodeId,
  type NoteSigner,
  signNote,
} from "@spx/runtime/tlog";
import { CheckpointStore, type StoredCheckpoint } from "./checkpoints.js";
import { ENTRY_COLUMNS, type EntryColumns, entryOf } from "./entry-row.js";
import { leafData } from "./leaf.js";
import { AccessLogTree } from "./tree.js";

/**
 * The advisory lock a round holds for its transaction: the old chain's (access_log_append), so
 * that a replica of the previous version still appending to the chain during a rolling upgrade
 * and a sequencer never number entries at the same time.
 */
export const SEQUENCER_LOCK = 53180081;
const DEFAULT_BATCH = 10_000;
const SALT_BYTES = 32;
/** How long `flush()` keeps asking for the lock while another replica holds it. */
const FLUSH_TIMEOUT_MS = 30_000;

export interface SequencerOptions {
  sql: SqlExecutor;
  signer: NoteSigner;
  /** The checkpoints' origin line (the log key's name). */
  origin: string;
  /** Period of the rounds. */
  intervalMs: number;
  /** At most one checkpoint per period while entries arrive (`flush()` signs at once). */
  checkpointIntervalMs: number;
  /** Entries moved per round at most. */
  batchSize?: number;
  logger: Logger;
}

interface Round {
  /** Whether this process held the lock for the round. */
  locked: boolean;
  /** Whether a full batch was taken (more may be waiting). */
  more: boolean;
  size: number;
  checkpoint?: StoredCheckpoint;
}

interface ColumnsRow extends EntryColumns {
  seq: string | number;
  salt?: string;
}

/** What the sequencer has to do: pending entries, and how long since the last checkpoint. */
export interface SequencerLag {
  pending: number;
  /** Seconds since the last checkpoint was signed; null before the first. */
  secondsSinceCheckpoint: number | null;
  treeSize: number;
  checkpointSize: number;
}

/**
 * Gives pending entries their place in the log and the tree. Every gateway process with the log
 * runs one; each round is one transaction that first tries the advisory lock, so only one replica
 * works at a time and any other takes over on its next round when that one dies (its transaction
 * rolls back, nothing half-done stays). A round re-reads the tree's size from the database (the
 * frontier is cached and reloaded when another replica moved on), integrates entries of the old
 * hash chain not yet in the tree (the cut-over: they become the first leaves, in seq order), then
 * moves a batch of pending entries into access_log with consecutive seq, stores their leaves and
 * every tree node they complete, and signs a checkpoint when the tree grew and the checkpoint
 * period has passed.
 */
export class Sequencer {
  private readonly batchSize: number;
  private cache: CompactRange | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((c: StoredCheckpoint) => void)[] = [];
  private holding = false;
  private stopped = false;

  constructor(private readonly options: SequencerOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
  }

  start(): void {
    if (this.timer) {
      return;
    }
    this.stopped = false;
    const tick = () => {
      this.timer = setTimeout(() => {
        this.exclusive(() => this.drain(false))
          .catch((error: unknown) =>
            this.options.logger.error({ err: error }, "access log sequencing failed; retrying next round"),
          )
          .finally(() => {
            if (!this.stopped) {
              tick();
            }
          });
      }, this.options.intervalMs);
      this.timer.unref?.();
    };
    tick();
  }

  /** Stops the rounds and waits for the one running (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.queue.catch(() => {});
  }

  onCheckpoint(listener: (c: StoredCheckpoint) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Sequences everything pending now and signs a checkpoint of the tree (unless the latest one
   * already covers it); resolves with the latest checkpoint. Waits for another replica holding
   * the lock to finish its round.
   */
  async flush(): Promise<StoredCheckpoint | undefined> {
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    for (;;) {
      const round = await this.exclusive(() => this.drain(true));
      if (round.locked) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error("the access log's sequencer lock stayed held by another process");
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return new CheckpointStore(this.options.sql).latest();
  }

  /** Pending entries and time since the last checkpoint, for /metrics. */
  async lag(): Promise<SequencerLag> {
    const [row] = await this.options.sql.query<{
      pending: string | number;
      since: string | number | null;
      tree: string | number;
      checkpoint: string | number;
    }>(
      `SELECT (SELECT count(*) FROM access_log_incoming) AS pending,
              (SELECT extract(epoch FROM clock_timestamp() - max(signed_at)) FROM access_log_checkpoint) AS since,
              (SELECT coalesce(max(seq), 0) FROM access_log_leaf) AS tree,
              (SELECT coalesce(max(size), 0) FROM access_log_checkpoint) AS checkpoint`,
    );
    return {
      pending: Number(row?.pending ?? 0),
      secondsSinceCheckpoint: row?.since === null || row?.since === undefined ? null : Number(row.since),
      treeSize: Number(row?.tree ?? 0),
      checkpointSize: Number(row?.checkpoint ?? 0),
    };
  }

  /** One round after another in this process (a flush and the timer's rounds never overlap). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Rounds until the backlog is taken (a full batch means more may be waiting). */
  private async drain(force: boolean): Promise<Round> {
    for (;;) {
      const round = await this.round(force);
      if (round.locked !== this.holding) {
        this.holding = round.locked;
        this.options.logger.info(
          { treeSize: round.size },
          round.locked
            ? "access log sequencer: this process sequences"
            : "access log sequencer: another process sequences",
        );
      }
      if (round.checkpoint) {
        for (const listener of this.listeners) {
          try {
            listener(round.checkpoint);
          } catch (error) {
            this.options.logger.error({ err: error }, "access log checkpoint listener failed");
          }
        }
      }
      if (!round.locked || !round.more || this.stopped) {
        return round;
      }
    }
  }

  private async round(force: boolean): Promise<Round> {
    const { sql, signer, origin, checkpointIntervalMs } = this.options;
    let range: CompactRange | undefined;
    const result = await sql.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
        SEQUENCER_LOCK,
      ]);
      if (!lock?.locked) {
        return { locked: false, more: false, size: this.cache?.size ?? 0 } satisfies Round;
      }
      const tree = new AccessLogTree(tx);
      const size = await tree.size();
      // A cached frontier is only good for the size it was computed at: another replica may have
      // sequenced since (or this process's last round rolled back).
      range =
        this.cache && this.cache.size === size
          ? CompactRange.of(size, this.cache.frontier())
          : CompactRange.of(size, await tree.nodes(frontierIds(size)));
      const current = range;
      const leaves: { seq: number; salt: Uint8Array; hash: Hash }[] = [];
      const nodes: { id: NodeId; hash: Hash }[] = [];
      const integrate = (seq: number, row: ColumnsRow, salt: Uint8Array) => {
        const hash = leafHash(leafData(entryOf(row), salt));
        leaves.push({ seq, salt, hash });
        current.append(hash, (id, node) => nodes.push({ id, hash: node }));
      };

      // The cut-over: entries of the old chain (or appended by a replica of the previous version)
      // beyond the tree become its next leaves, in seq order.
      const chained = await tx.query<ColumnsRow>(
        `SELECT seq, ${ENTRY_COLUMNS} FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [size, this.batchSize],
      );
      for (const [i, row] of chained.entries()) {
        const seq = Number(row.seq);
        if (seq !== size + i + 1) {
          throw new Error(`access_log has no entry #${size + i + 1} (next is #${seq}): the log is not whole`);
        }
        integrate(seq, row, randomBytes(SALT_BYTES));
      }
      let moved = 0;
      if (chained.length < this.batchSize) {
        const head = size + chained.length;
        // Rows already in access_log (a writer's retry after its commit's answer was lost, racing a
        // round) are dropped from incoming and not logged twice.
        const rows = await tx.query<ColumnsRow>(
          `WITH moved AS (
             DELETE FROM access_log_incoming
              WHERE id IN (SELECT id FROM access_log_incoming ORDER BY received_at, id LIMIT $1)
             RETURNING *),
           numbered AS (
             SELECT m.*, $2::bigint + row_number() OVER (ORDER BY m.received_at, m.id) AS seq
               FROM moved m WHERE NOT EXISTS (SELECT 1 FROM access_log a WHERE a.id = m.id)),
           inserted AS (
             INSERT INTO access_log (seq, ${ENTRY_COLUMNS})
             SELECT seq, ${ENTRY_COLUMNS} FROM numbered RETURNING seq)
           SELECT n.seq, ${ENTRY_COLUMNS.split(", ")
             .map((c) => `n.${c}`)
             .join(", ")}, encode(n.salt, 'hex') AS salt
             FROM numbered n ORDER BY n.seq`,
          [this.batchSize - chained.length, head],
        );
        for (const row of rows) {
          integrate(Number(row.seq), row, new Uint8Array(Buffer.from(row.salt as string, "hex")));
        }
        moved = rows.length;
      }
      if (leaves.length > 0) {
        await tx.query(
          `INSERT INTO access_log_leaf (seq, salt, leaf_hash)
           SELECT seq, decode(salt, 'hex'), decode(hash, 'hex') FROM unnest($1::bigint[], $2::text[], $3::text[]) AS l(seq, salt, hash)`,
          [leaves.map((l) => l.seq), leaves.map((l) => hex(l.salt)), leaves.map((l) => hex(l.hash))],
        );
        await tx.query(
          `INSERT INTO access_log_tree (level, index, hash)
           SELECT level, index, decode(hash, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS n(level, index, hash)`,
          [nodes.map((n) => n.id.level), nodes.map((n) => n.id.index), nodes.map((n) => hex(n.hash))],
        );
      }
      const more = chained.length + moved >= this.batchSize;
      const [last] = await tx.query<{ size: string | number; age_ms: string | number }>(
        `SELECT size, extract(epoch FROM clock_timestamp() - signed_at) * 1000 AS age_ms
           FROM access_log_checkpoint ORDER BY size DESC LIMIT 1`,
      );
      const signedSize = last ? Number(last.size) : 0;
      // A flush signs once the backlog is taken; a timed round when the period has passed.
      const due = force ? !more : !last || Number(last.age_ms) >= checkpointIntervalMs;
      let checkpoint: StoredCheckpoint | undefined;
      if (current.size > signedSize && due) {
        const root = current.root();
        const note = signNote(checkpointText({ origin, size: current.size, root }), signer);
        const [signed] = await tx.query<{ signed_at: Date | string }>(
          `INSERT INTO access_log_checkpoint (size, root, signed_at, note)
           VALUES ($1, decode($2, 'hex'), clock_timestamp(), $3) RETURNING signed_at`,
          [current.size, hex(root), note],
        );
        checkpoint = {
          size: current.size,
          root,
          signedAt: new Date(signed?.signed_at ?? Date.now()),
          note,
          cosignatures: [],
        };
      }
      return { locked: true, more, size: current.size, ...(checkpoint ? { checkpoint } : {}) } satisfies Round;
    });
    // Only a committed round's frontier is kept.
    if (result.locked && range) {
      this.cache = range;
    }
    return result;
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
