import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "@spx/runtime/database";
import { EMPTY_ROOT, type Hash } from "@spx/runtime/tlog";

export const WITNESS_MIGRATIONS = fileURLToPath(new URL("../migrations", import.meta.url));

/** The latest checkpoint cosigned for a log; size 0 and the empty root (no note) when none yet. */
export interface CosignedState {
  origin: string;
  size: number;
  root: Hash;
  /** The checkpoint note with this witness's cosignature; undefined before the first. */
  note: string | undefined;
  cosignedAt: Date | undefined;
}

export interface CosignedRecord {
  id: number;
  origin: string;
  size: number;
  root: Hash;
  cosignedAt: Date;
  line: string;
}

interface StateRow {
  origin: string;
  size: string | number;
  root: Uint8Array;
  note: string | null;
  cosigned_at: Date | string | null;
}

interface RecordRow {
  id: string | number;
  origin: string;
  size: string | number;
  root: Uint8Array;
  cosigned_at: Date | string;
  line: string;
}

const bytes = (value: Uint8Array): Hash => new Uint8Array(value);
// node-pg takes a Buffer for BYTEA, PGlite a Uint8Array: a Buffer is both.
const param = (hash: Hash) => Buffer.from(hash);

function stateOf(row: StateRow): CosignedState {
  return {
    origin: row.origin,
    size: Number(row.size),
    root: bytes(row.root),
    note: row.note ?? undefined,
    cosignedAt: row.cosigned_at ? new Date(row.cosigned_at) : undefined,
  };
}

function recordOf(row: RecordRow): CosignedRecord {
  return {
    id: Number(row.id),
    origin: row.origin,
    size: Number(row.size),
    root: bytes(row.root),
    cosignedAt: new Date(row.cosigned_at),
    line: row.line,
  };
}

/** What the compare-and-persist transaction sees and may write, under the origin's row lock. */
export interface LockedState {
  state: CosignedState;
  /** The roots this witness cosigned at `size` (usually one; more would already be a fork). */
  rootsCosignedAt(size: number): Promise<Hash[]>;
  /** Replaces the latest state (it only grows: a trigger refuses anything else) and records the cosignature. */
  persist(next: { size: number; root: Hash; note: string; line: string; cosignedAt: Date }): Promise<void>;
}

/** How long a submission waits for the others of the same log (see `locked`). */
const LOCK_WAIT_MS = 15_000;

export class WitnessStore {
  constructor(private readonly sql: SqlExecutor) {}

  /** Gives every log its row (size 0) so that there is always a row to lock. */
  async ensure(origins: readonly string[]): Promise<void> {
    for (const origin of origins) {
      await this.sql.query(
        `INSERT INTO witness_checkpoint (origin, size, root) VALUES ($1, 0, $2) ON CONFLICT (origin) DO NOTHING`,
        [origin, param(EMPTY_ROOT)],
      );
    }
  }

  async latest(origin: string): Promise<CosignedState | undefined> {
    const [row] = await this.sql.query<StateRow>(
      `SELECT origin, size, root, note, cosigned_at FROM witness_checkpoint WHERE origin = $1`,
      [origin],
    );
    return row ? stateOf(row) : undefined;
  }

  async all(): Promise<CosignedState[]> {
    const rows = await this.sql.query<StateRow>(
      `SELECT origin, size, root, note, cosigned_at FROM witness_checkpoint ORDER BY origin`,
    );
    return rows.map(stateOf);
  }

  /** What it cosigned for `origin`, in the order it did. */
  async history(origin: string): Promise<CosignedRecord[]> {
    const rows = await this.sql.query<RecordRow>(
      `SELECT id, origin, size, root, cosigned_at, line FROM witness_cosigned WHERE origin = $1 ORDER BY id`,
      [origin],
    );
    return rows.map(recordOf);
  }

  /**
   * Runs `decide` holding the origin's row (SELECT … FOR UPDATE) in one transaction: a concurrent
   * submission for the same log waits until this one has committed, and then compares with what
   * this one wrote. That is what keeps two submissions from rolling the witness back (tlog-witness).
   */
  async locked<T>(origin: string, decide: (locked: LockedState) => Promise<T>): Promise<T> {
    return this.sql.transaction(
      async (tx) => {
        // Submissions for one log queue on its row, by design: waiting a few seconds behind a burst
        // of them is right, where the service's 1 s lock timeout would fail the later ones.
        await tx.exec(
          `SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'; SET LOCAL statement_timeout = '${LOCK_WAIT_MS}ms'`,
        );
        await tx.query(
          `INSERT INTO witness_checkpoint (origin, size, root) VALUES ($1, 0, $2) ON CONFLICT (origin) DO NOTHING`,
          [origin, param(EMPTY_ROOT)],
        );
        const [row] = await tx.query<StateRow>(
          `SELECT origin, size, root, note, cosigned_at FROM witness_checkpoint WHERE origin = $1 FOR UPDATE`,
          [origin],
        );
        if (!row) {
          throw new Error("the witness's row for this log vanished");
        }
        return decide({
          state: stateOf(row),
          async rootsCosignedAt(size) {
            const rows = await tx.query<{ root: Uint8Array }>(
              `SELECT DISTINCT root FROM witness_cosigned WHERE origin = $1 AND size = $2`,
              [origin, size],
            );
            return rows.map((r) => bytes(r.root));
          },
          async persist(next) {
            await tx.query(
              `UPDATE witness_checkpoint SET size = $2, root = $3, note = $4, cosigned_at = $5 WHERE origin = $1`,
              [origin, next.size, param(next.root), next.note, next.cosignedAt],
            );
            await tx.query(
              `INSERT INTO witness_cosigned (origin, size, root, cosigned_at, line) VALUES ($1, $2, $3, $4, $5)`,
              [origin, next.size, param(next.root), next.cosignedAt, next.line],
            );
          },
        });
      },
      { queryTimeoutMs: LOCK_WAIT_MS + 2_000 },
    );
  }

  async ping(): Promise<void> {
    await this.sql.query("SELECT 1");
  }
}
