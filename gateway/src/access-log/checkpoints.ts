import type { SqlExecutor } from "@spx/runtime/database";
import { addSignatureLines, type Hash } from "@spx/runtime/tlog";

/** A checkpoint the log signed, with the witnesses' cosignatures stored since. */
export interface StoredCheckpoint {
  size: number;
  root: Hash;
  signedAt: Date;
  /** The log-signed note (the log's signature only). */
  note: string;
  cosignatures: { witness: string; line: string; cosignedAt: Date }[];
}

interface Row {
  size: string | number;
  root: string;
  signed_at: Date | string;
  note: string;
  cosignatures: { witness: string; line: string; cosigned_at: string }[] | string | null;
}

const SELECT = `SELECT c.size, encode(c.root, 'hex') AS root, c.signed_at, c.note,
    (SELECT coalesce(json_agg(json_build_object('witness', s.witness, 'line', s.line, 'cosigned_at', s.cosigned_at)
       ORDER BY s.witness), '[]'::json) FROM access_log_cosignature s WHERE s.size = c.size) AS cosignatures
  FROM access_log_checkpoint c`;

function fromRow(row: Row): StoredCheckpoint {
  const cosignatures = typeof row.cosignatures === "string" ? JSON.parse(row.cosignatures) : (row.cosignatures ?? []);
  return {
    size: Number(row.size),
    root: new Uint8Array(Buffer.from(row.root, "hex")),
    signedAt: new Date(row.signed_at),
    note: row.note,
    cosignatures: (cosignatures as Exclude<Row["cosignatures"], string | null>).map((c) => ({
      witness: c.witness,
      line: c.line,
      cosignedAt: new Date(c.cosigned_at),
    })),
  };
}

/** The checkpoints the log signed and the cosignatures witnesses returned for them. */
export class CheckpointStore {
  constructor(
    private readonly sql: SqlExecutor,
    /** The configured witnesses' names: what `latestWitnessed()` requires when not told otherwise. */
    private readonly witnesses: readonly string[] = [],
  ) {}

  async latest(): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.sql.query<Row>(`${SELECT} ORDER BY c.size DESC LIMIT 1`);
    return row && fromRow(row);
  }

  async atSize(size: number): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.sql.query<Row>(`${SELECT} WHERE c.size = $1`, [size]);
    return row && fromRow(row);
  }

  /**
   * The newest checkpoint cosigned by every named witness (all configured ones when omitted), of
   * size ≥ minSize. With no witness to require, the newest checkpoint of that size.
   */
  async latestWitnessed(
    minSize = 0,
    witnesses: readonly string[] = this.witnesses,
  ): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.sql.query<Row>(
      `${SELECT}
        WHERE c.size >= $1
          AND (SELECT count(DISTINCT s.witness) FROM access_log_cosignature s
                WHERE s.size = c.size AND s.witness = ANY($2::text[])) = cardinality($2::text[])
        ORDER BY c.size DESC LIMIT 1`,
      [minSize, [...new Set(witnesses)]],
    );
    return row && fromRow(row);
  }

  /** Stores a witness's cosignature line of the checkpoint of `size`; a second one from the same witness is ignored. */
  async addCosignature(size: number, witness: string, line: string): Promise<void> {
    await this.sql.query(
      `INSERT INTO access_log_cosignature (size, witness, line, cosigned_at) VALUES ($1, $2, $3, clock_timestamp())
       ON CONFLICT (size, witness) DO NOTHING`,
      [size, witness, line],
    );
  }
}

/** The checkpoint's note with every cosignature line: what the log publishes. */
export function cosignedNote(c: StoredCheckpoint): string {
  return addSignatureLines(
    c.note,
    c.cosignatures.map((s) => s.line),
  );
}
