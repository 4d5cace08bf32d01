import type { SqlExecutor } from "@spx/runtime/database";
import type { Logger } from "@spx/runtime/logging";
import type { BoundedCounter } from "@spx/runtime/metrics";
import type { Hash } from "@spx/runtime/tlog";

/**
 * What a log can do wrong that its witness sees:
 * - `fork`: a checkpoint of a size it cosigned, with another root (two views of one log);
 * - `truncated`: a tree smaller than the one it cosigned, that the log cannot prove consistent with it;
 * - `inconsistent`: a larger tree whose consistency proof with the cosigned one fails (history rewritten).
 */
export const ALARM_REASONS = ["fork", "truncated", "inconsistent"] as const;
export type AlarmReason = (typeof ALARM_REASONS)[number];

export interface Alarm {
  origin: string;
  reason: AlarmReason;
  /** Whether the checkpoint was submitted (add-checkpoint) or fetched by the poll loop. */
  source: "submission" | "poll";
  cosigned: { size: number; root: Hash };
  seen: { size: number; root: Hash };
  detail: string;
  /** The log-signed checkpoint it was shown: the evidence. */
  note: string;
}

export interface RaisedAlarm extends Alarm {
  id: number;
  raisedAt: Date;
}

interface AlarmRow {
  id: string | number;
  raised_at: Date | string;
  origin: string;
  reason: AlarmReason;
  source: "submission" | "poll";
  cosigned_size: string | number;
  cosigned_root: Uint8Array;
  seen_size: string | number;
  seen_root: Uint8Array;
  detail: string;
  note: string;
}

const base64 = (hash: Hash) => Buffer.from(hash).toString("base64");

/** Raises alarms: logged at error level, counted (`witness_alarms_total{reason}`), and kept (`GET /alarms`). */
export class Alarms {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly logger: Logger,
    private readonly counter: BoundedCounter<"reason">,
  ) {
    for (const reason of ALARM_REASONS) {
      counter.zero({ reason });
    }
  }

  /**
   * Raises an alarm once per piece of evidence: the same checkpoint seen again (each poll, each
   * retried submission) is not a new alarm. Resolves with whether it was new.
   */
  async raise(alarm: Alarm): Promise<boolean> {
    const inserted = await this.sql.query<{ id: string | number }>(
      `INSERT INTO witness_alarm (origin, reason, source, cosigned_size, cosigned_root, seen_size, seen_root, detail, note)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
       WHERE NOT EXISTS (SELECT 1 FROM witness_alarm
         WHERE origin = $1 AND reason = $2 AND cosigned_size = $4 AND seen_size = $6 AND seen_root = $7)
       RETURNING id`,
      [
        alarm.origin,
        alarm.reason,
        alarm.source,
        alarm.cosigned.size,
        Buffer.from(alarm.cosigned.root),
        alarm.seen.size,
        Buffer.from(alarm.seen.root),
        alarm.detail,
        alarm.note,
      ],
    );
    if (inserted.length === 0) {
      return false;
    }
    // Sizes, roots and the origin only: a checkpoint names nobody.
    this.logger.error(
      {
        origin: alarm.origin,
        reason: alarm.reason,
        source: alarm.source,
        cosignedSize: alarm.cosigned.size,
        cosignedRoot: base64(alarm.cosigned.root),
        seenSize: alarm.seen.size,
        seenRoot: base64(alarm.seen.root),
        detail: alarm.detail,
      },
      `witness alarm: ${alarm.reason} log`,
    );
    this.counter.inc({ reason: alarm.reason });
    return true;
  }

  /** Newest first. */
  async list(options: { origin?: string | undefined; limit?: number } = {}): Promise<RaisedAlarm[]> {
    const rows = await this.sql.query<AlarmRow>(
      `SELECT id, raised_at, origin, reason, source, cosigned_size, cosigned_root, seen_size, seen_root, detail, note
       FROM witness_alarm WHERE ($1::text IS NULL OR origin = $1) ORDER BY id DESC LIMIT $2`,
      [options.origin ?? null, options.limit ?? 100],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      raisedAt: new Date(row.raised_at),
      origin: row.origin,
      reason: row.reason,
      source: row.source,
      cosigned: { size: Number(row.cosigned_size), root: new Uint8Array(row.cosigned_root) },
      seen: { size: Number(row.seen_size), root: new Uint8Array(row.seen_root) },
      detail: row.detail,
      note: row.note,
    }));
  }
}

/** An alarm as `GET /alarms` lists it (hashes in base64). */
export function alarmJson(alarm: RaisedAlarm) {
  return {
    id: alarm.id,
    raisedAt: alarm.raisedAt.toISOString(),
    origin: alarm.origin,
    reason: alarm.reason,
    source: alarm.source,
    cosigned: { size: alarm.cosigned.size, root: base64(alarm.cosigned.root) },
    seen: { size: alarm.seen.size, root: base64(alarm.seen.root) },
    detail: alarm.detail,
    note: alarm.note,
  };
}
