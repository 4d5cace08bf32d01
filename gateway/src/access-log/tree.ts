import type { SqlExecutor } from "@spx/runtime/database";
import {
  consistencyProof,
  type Hash,
  inclusionProof,
  type NodeId,
  type NodeSource,
  TlogError,
} from "@spx/runtime/tlog";

/**
 * The access log's Merkle tree as stored: every perfect subtree's hash (access_log_tree), so that
 * any proof is one query of a few dozen rows, however large the log.
 */
export class AccessLogTree implements NodeSource {
  constructor(private readonly sql: SqlExecutor) {}

  /** The hashes of `ids`, in the order asked, in one SELECT; throws TlogError MISSING_NODE if one is not stored. */
  async nodes(ids: readonly NodeId[]): Promise<Hash[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.sql.query<{ level: number; index: string | number; hash: string }>(
      `SELECT t.level, t.index, encode(t.hash, 'hex') AS hash
         FROM unnest($1::smallint[], $2::bigint[]) AS w(level, index)
         JOIN access_log_tree t ON t.level = w.level AND t.index = w.index`,
      [ids.map((id) => id.level), ids.map((id) => id.index)],
    );
    const found = new Map(rows.map((row) => [`${row.level}/${Number(row.index)}`, row.hash]));
    return ids.map((id) => {
      const hash = found.get(`${id.level}/${id.index}`);
      if (hash === undefined) {
        throw new TlogError(
          "MISSING_NODE",
          `the access log's tree has no node at level ${id.level}, index ${id.index}`,
        );
      }
      return new Uint8Array(Buffer.from(hash, "hex"));
    });
  }

  /** Leaves integrated so far (leaf index = seq - 1, so the highest seq with a leaf). */
  async size(): Promise<number> {
    const [row] = await this.sql.query<{ size: string | number }>(
      "SELECT coalesce(max(seq), 0) AS size FROM access_log_leaf",
    );
    return Number(row?.size ?? 0);
  }

  inclusionProof(leafIndex: number, treeSize: number): Promise<Hash[]> {
    return inclusionProof(leafIndex, treeSize, this);
  }

  consistencyProof(from: number, to: number): Promise<Hash[]> {
    return consistencyProof(from, to, this);
  }
}
