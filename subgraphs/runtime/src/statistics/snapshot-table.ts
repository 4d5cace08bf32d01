import type { SqlExecutor } from "../database/database.js";
import type { LatticeCell } from "../disclosure/types.js";

/**
 * The register's `statistics_snapshot` table (each register's own migration creates it): one row
 * per statistic, its whole lattice as computed at `computed_at`. These are the only statements a
 * request sends for statistics.
 */

/** When a snapshot was computed: `version` (epoch µs, exact) keys the cache of its protected lattice. */
export interface SnapshotMeta {
  computedAt: Date;
  version: string;
  ageSeconds: number;
}

export async function snapshotMeta(sql: SqlExecutor, name: string): Promise<SnapshotMeta | undefined> {
  const [row] = await sql.query<{ computed_at: Date; version: string; age: number }>(
    `SELECT computed_at, (extract(epoch FROM computed_at) * 1000000)::bigint::text AS version,
            extract(epoch FROM clock_timestamp() - computed_at)::float8 AS age
     FROM statistics_snapshot WHERE name = $1`,
    [name],
  );
  return row ? { computedAt: new Date(row.computed_at), version: row.version, ageSeconds: Number(row.age) } : undefined;
}

/** The lattices of a snapshot, by partition, as its version was written (`undefined`: replaced since). */
export async function snapshotCells(
  sql: SqlExecutor,
  name: string,
  version: string,
): Promise<Record<string, LatticeCell[]> | undefined> {
  const [row] = await sql.query<{ cells: Record<string, LatticeCell[]> | string }>(
    `SELECT cells FROM statistics_snapshot
     WHERE name = $1 AND (extract(epoch FROM computed_at) * 1000000)::bigint::text = $2`,
    [name, version],
  );
  if (!row) {
    return undefined;
  }
  // node-pg parses jsonb; PGlite does too, but a text column from another driver would not be.
  return typeof row.cells === "string" ? (JSON.parse(row.cells) as Record<string, LatticeCell[]>) : row.cells;
}

/** Writes a statistic's snapshot (inside the refresh's transaction). */
export async function writeSnapshot(
  tx: SqlExecutor,
  name: string,
  /** As PostgreSQL wrote it (text): a Date would lose the microseconds the version is made of. */
  computedAt: string,
  cells: Record<string, LatticeCell[]>,
): Promise<void> {
  await tx.query(
    `INSERT INTO statistics_snapshot (name, computed_at, cells) VALUES ($1, $2::timestamptz, $3::jsonb)
     ON CONFLICT (name) DO UPDATE SET computed_at = EXCLUDED.computed_at, cells = EXCLUDED.cells`,
    [name, computedAt, JSON.stringify(cells)],
  );
}
