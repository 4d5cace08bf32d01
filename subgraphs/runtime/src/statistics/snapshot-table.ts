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
  /** How long computing it took (null: written before this was recorded). */
  refreshMs: number | null;
}

/**
 * A refresh waits at least this many times its own last duration: refreshing then takes at most a
 * tenth of one connection's time, whatever the register's size (1 M persons: the direct-aid
 * statistic's 10.3 s refresh runs at most every 103 s instead of every 60 s).
 */
export const REFRESH_DUTY_FACTOR = 10;

/** Whether a snapshot is due for a refresh: older than the interval and than ten times its own cost. */
export function isStale(meta: Pick<SnapshotMeta, "ageSeconds" | "refreshMs">, refreshSeconds: number): boolean {
  return meta.ageSeconds >= Math.max(refreshSeconds, ((meta.refreshMs ?? 0) * REFRESH_DUTY_FACTOR) / 1000);
}

export async function snapshotMeta(sql: SqlExecutor, name: string): Promise<SnapshotMeta | undefined> {
  const [row] = await sql.query<{ computed_at: Date; version: string; age: number; refresh_ms: number | null }>(
    `SELECT computed_at, (extract(epoch FROM computed_at) * 1000000)::bigint::text AS version,
            extract(epoch FROM clock_timestamp() - computed_at)::float8 AS age, refresh_ms
     FROM statistics_snapshot WHERE name = $1`,
    [name],
  );
  return row
    ? {
        computedAt: new Date(row.computed_at),
        version: row.version,
        ageSeconds: Number(row.age),
        refreshMs: row.refresh_ms === null ? null : Number(row.refresh_ms),
      }
    : undefined;
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
  /** How long computing the cells took. */
  refreshMs: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO statistics_snapshot (name, computed_at, cells, refresh_ms) VALUES ($1, $2::timestamptz, $3::jsonb, $4)
     ON CONFLICT (name) DO UPDATE
       SET computed_at = EXCLUDED.computed_at, cells = EXCLUDED.cells, refresh_ms = EXCLUDED.refresh_ms`,
    [name, computedAt, JSON.stringify(cells), Math.round(refreshMs)],
  );
}
