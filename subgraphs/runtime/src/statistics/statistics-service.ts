/**
 * A register's statistics, served from snapshots instead of scans.
 *
 * Why snapshots: counters kept in every write transaction cannot follow age bands (persons age with
 * no write at all) and would put one hot row under every write of the register. So each statistic's
 * whole lattice (every combination of its dimensions' categories and totals) is computed in one SQL
 * statement and stored as one row of `statistics_snapshot`, refreshed on a schedule:
 *
 * - Refresh: the lattice statement and the upsert of its row run in ONE transaction, so readers see
 *   the previous snapshot until it commits; the statement timeout is raised for that transaction
 *   alone (`set_config(..., true)` = SET LOCAL); `pg_try_advisory_xact_lock` on a key per register
 *   and statistic lets one replica refresh while the others skip.
 * - Schedule: every few seconds (a fraction of STATISTICS_REFRESH_SECONDS, jittered so replicas do
 *   not check together) each process refreshes the snapshots older than the interval; the timer is
 *   unref'd and stopped on close; a failure is logged without its data and retried next time.
 * - Serving: one tiny read of the snapshot's `computed_at`; the protected lattice (disclosure
 *   control run once over the whole lattice) is cached in the process by (name, computed_at), so a
 *   request costs that read whatever the register's size, and every replica serves the snapshot.
 *   A missing snapshot is computed before the first answer that needs it (requests wait, one
 *   computation per process); an old one is served while it is refreshed in the background.
 */
import { disclosureRules } from "../access/access-catalogue.js";
import type { SqlExecutor } from "../database/database.js";
import type { StatementCounter } from "../database/statement-counter.js";
import { protect } from "../disclosure/protect.js";
import type { DisclosureRules, ProtectedLattice } from "../disclosure/types.js";
import { DomainError } from "../errors/errors.js";
import type { Logger } from "../logging/logger.js";
import type { StatisticDeclaration } from "./declaration.js";
import { isStale, type SnapshotMeta, snapshotCells, snapshotMeta, writeSnapshot } from "./snapshot-table.js";

export interface StatisticsOptions {
  /** The register's name: part of each statistic's lock key. */
  register: string;
  sql: SqlExecutor;
  /** The register's statement counter (/metrics, and the tests that prove no scan per request). */
  statements?: StatementCounter | undefined;
  declarations: readonly StatisticDeclaration[];
  /** STATISTICS_REFRESH_SECONDS: a snapshot older than this is refreshed. */
  refreshSeconds: number;
  /** STATISTICS_REFRESH_TIMEOUT_MS: how long one refresh's statement may run. */
  refreshTimeoutMs: number;
  logger: Logger;
  /** The catalogue's `disclosure` rules unless given (tests). */
  rules?: DisclosureRules;
}

/** A statistic's protected lattice and when the snapshot it is cut from was computed. */
export interface StatisticSnapshot {
  lattice: ProtectedLattice;
  computedAt: Date;
}

/** What a request needs of the register's statistics. */
export interface StatisticsReader {
  snapshot(name: string, partition?: string): Promise<StatisticSnapshot>;
}

/** The reader of a server without statistics (a test's bare subgraph): every question refused. */
export const NO_STATISTICS: StatisticsReader = {
  snapshot: (name) => Promise.reject(new Error(`statistic ${name} is not declared by this server`)),
};

export type RefreshOutcome = "refreshed" | "fresh" | "skipped";

/** No snapshot yet and the replica computing it did not finish in time. */
export class StatisticsNotReadyError extends DomainError {
  constructor() {
    super("REGISTER_BUSY", "The statistics are being computed; try again in a moment");
  }
}

const POLL_MS = 100;

export class Statistics implements StatisticsReader {
  private readonly declarations = new Map<string, StatisticDeclaration>();
  private readonly lattices = new Map<string, { version: string; lattices: Promise<Map<string, ProtectedLattice>> }>();
  private readonly refreshing = new Map<string, Promise<RefreshOutcome>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly rules: DisclosureRules;
  /** What this process last saw of each snapshot, and its failed refreshes (for /metrics). */
  private readonly seenSnapshots = new Map<string, Pick<SnapshotMeta, "computedAt" | "refreshMs">>();
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: StatisticsOptions) {
    for (const declaration of options.declarations) {
      this.declarations.set(declaration.name, declaration);
    }
    this.rules = options.rules ?? disclosureRules();
  }

  get names(): string[] {
    return [...this.declarations.keys()];
  }

  /** Each statistic's snapshot as this process last read or wrote it, and its failed refreshes. */
  observed(name: string): { computedAt?: Date; refreshMs?: number | null; failures: number } {
    return { ...this.seenSnapshots.get(name), failures: this.failures.get(name) ?? 0 };
  }

  private saw(name: string, meta: Pick<SnapshotMeta, "computedAt" | "refreshMs"> | undefined): void {
    if (meta) {
      this.seenSnapshots.set(name, { computedAt: meta.computedAt, refreshMs: meta.refreshMs });
    }
  }

  /** Starts the schedule (idempotent). */
  start(): void {
    if (this.timer || this.closed || this.declarations.size === 0) {
      return;
    }
    // The snapshots already there are read and protected now, so that a new process's first
    // dashboard does not pay for it; a missing one is left to the first request or check.
    void this.preload();
    const next = () => {
      // A quarter to a third of the interval: a snapshot is at most ~1.3 intervals old.
      const delay = this.options.refreshSeconds * 1000 * (0.25 + Math.random() / 12);
      this.timer = setTimeout(() => {
        void this.refreshStale().finally(() => {
          if (!this.closed) {
            next();
          }
        });
      }, delay);
      this.timer.unref();
    };
    next();
  }

  /** The statistic's lattice for `partition` ("" for a statistic without partitions). */
  async snapshot(name: string, partition = ""): Promise<StatisticSnapshot> {
    const declaration = this.declaration(name);
    let meta = await this.meta(name);
    if (!meta) {
      meta = await this.firstSnapshot(name);
    } else if (isStale(meta, this.options.refreshSeconds)) {
      void this.refreshInBackground(name);
    }
    const lattices = await this.protectedLattices(declaration, meta);
    return {
      lattice: lattices.get(partition) ?? protect(declaration.spec, [], this.rules),
      computedAt: meta.computedAt,
    };
  }

  /**
   * Refreshes one statistic now (single-flight in this process): `force` even if it is fresh (tests,
   * data generation); `skipped` when another replica holds its lock. `forRequest`: a request waits
   * for it, so its statements count as that request's.
   */
  refresh(name: string, options: { force?: boolean; forRequest?: boolean } = {}): Promise<RefreshOutcome> {
    const running = this.refreshing.get(name);
    if (running) {
      return running;
    }
    const count = options.forRequest ? () => this.count() : () => {};
    const run = this.refreshNow(this.declaration(name), options.force === true, count).finally(() => {
      this.refreshing.delete(name);
    });
    this.refreshing.set(name, run);
    return run;
  }

  /** Refreshes every statistic of the register now; what each one did. */
  async refreshAll(options: { force?: boolean } = {}): Promise<Record<string, RefreshOutcome>> {
    const outcomes: Record<string, RefreshOutcome> = {};
    // One after the other: each is a scan of the register, and requests share its connections.
    for (const name of this.declarations.keys()) {
      outcomes[name] = await this.refresh(name, options);
    }
    return outcomes;
  }

  /** The scheduled check: refreshes the snapshots older than the interval; never throws. */
  async refreshStale(): Promise<void> {
    for (const name of this.declarations.keys()) {
      if (this.closed) {
        return;
      }
      try {
        // Not counted: the register's statement count is read per request (benches, tests), and
        // this check belongs to none.
        const meta = await snapshotMeta(this.options.sql, name);
        this.saw(name, meta);
        if (!meta || isStale(meta, this.options.refreshSeconds)) {
          await this.refresh(name);
        }
      } catch (error) {
        this.failed(name, error);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.refreshing.values()]);
  }

  private async preload(): Promise<void> {
    for (const declaration of this.declarations.values()) {
      try {
        const meta = await snapshotMeta(this.options.sql, declaration.name);
        if (meta && !this.closed) {
          await this.protectedLattices(declaration, meta);
        }
      } catch {
        // A request or the schedule meets the same condition, and answers or logs it there.
      }
    }
  }

  private declaration(name: string): StatisticDeclaration {
    const declaration = this.declarations.get(name);
    if (!declaration) {
      throw new Error(`statistic ${name} is not declared by ${this.options.register}`);
    }
    return declaration;
  }

  private async meta(name: string): Promise<SnapshotMeta | undefined> {
    this.count();
    const meta = await snapshotMeta(this.options.sql, name);
    this.saw(name, meta);
    return meta;
  }

  private count(): void {
    if (this.options.statements) {
      this.options.statements.count++;
    }
  }

  /** No snapshot yet: computed here, or waited for while another replica computes it. */
  private async firstSnapshot(name: string): Promise<SnapshotMeta> {
    const deadline = Date.now() + this.options.refreshTimeoutMs;
    for (;;) {
      await this.refresh(name, { forRequest: true });
      const meta = await this.meta(name);
      if (meta) {
        return meta;
      }
      if (Date.now() >= deadline || this.closed) {
        throw new StatisticsNotReadyError();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private refreshInBackground(name: string): Promise<void> {
    return this.refresh(name).then(
      () => undefined,
      (error: unknown) => this.failed(name, error),
    );
  }

  private failed(name: string, error: unknown): void {
    this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
    // The SQLSTATE and the statistic only: a driver's message may quote values.
    const code = (error as { code?: unknown } | null)?.code;
    this.options.logger.warn(
      { statistic: name, code: typeof code === "string" ? code : undefined },
      "statistics snapshot refresh failed; the previous snapshot is served until the next attempt",
    );
  }

  private protectedLattices(declaration: StatisticDeclaration, meta: SnapshotMeta) {
    const cached = this.lattices.get(declaration.name);
    if (cached && cached.version === meta.version) {
      return cached.lattices;
    }
    const lattices = (async () => {
      this.count();
      let cells = await snapshotCells(this.options.sql, declaration.name, meta.version);
      if (!cells) {
        // Replaced between the two reads: the newer snapshot is as good, under its own version.
        const newer = await this.meta(declaration.name);
        cells = newer ? await snapshotCells(this.options.sql, declaration.name, newer.version) : undefined;
      }
      const protectedLattices = new Map<string, ProtectedLattice>();
      for (const [partition, partitionCells] of Object.entries(cells ?? {})) {
        const lattice = protect(declaration.spec, partitionCells, this.rules);
        if (lattice.fellBack.length > 0) {
          // Names only: safe (all but the grand total hidden), but the operators should know.
          this.options.logger.warn(
            { statistic: declaration.name, measures: lattice.fellBack },
            "disclosure control fell back to hiding every cell but the grand total",
          );
        }
        protectedLattices.set(partition, lattice);
      }
      return protectedLattices;
    })();
    const entry = { version: meta.version, lattices };
    this.lattices.set(declaration.name, entry);
    lattices.catch(() => {
      if (this.lattices.get(declaration.name) === entry) {
        this.lattices.delete(declaration.name);
      }
    });
    return lattices;
  }

  private refreshNow(declaration: StatisticDeclaration, force: boolean, count: () => void): Promise<RefreshOutcome> {
    const { register, refreshSeconds, refreshTimeoutMs } = this.options;
    // Counted only when a request waits for it: the schedule's refreshes belong to no request, and
    // the register's statement count is read per request (benches, N+1 tests).
    return this.options.sql.transaction(
      async (tx) => {
        count();
        await tx.query("SELECT set_config('statement_timeout', $1, true)", [String(refreshTimeoutMs)]);
        count();
        const [lock] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked", [
          `spx-statistics:${register}:${declaration.name}`,
        ]);
        if (!lock?.locked) {
          return "skipped";
        }
        count();
        const [clock] = await tx.query<{ at: string; age: number | null; refresh_ms: number | null }>(
          `SELECT clock_timestamp()::text AS at, s.age, s.refresh_ms
           FROM (SELECT 1) AS one LEFT JOIN (
             SELECT extract(epoch FROM clock_timestamp() - computed_at)::float8 AS age, refresh_ms
             FROM statistics_snapshot WHERE name = $1) AS s ON true`,
          [declaration.name],
        );
        // Another replica may have refreshed it between our check and our lock.
        if (
          !force &&
          clock?.age !== null &&
          clock?.age !== undefined &&
          !isStale({ ageSeconds: Number(clock.age), refreshMs: clock.refresh_ms }, refreshSeconds)
        ) {
          return "fresh";
        }
        count();
        const started = performance.now();
        const rows = await tx.query(declaration.sql, declaration.params?.() ?? []);
        const cells = declaration.cells(rows);
        const refreshMs = performance.now() - started;
        count();
        await writeSnapshot(tx, declaration.name, String(clock?.at), cells, refreshMs);
        this.saw(declaration.name, { computedAt: new Date(String(clock?.at)), refreshMs });
        return "refreshed";
      },
      // The driver waits a little longer than the server, which cancels the statement itself.
      { queryTimeoutMs: refreshTimeoutMs + 1_000 },
    );
  }
}
