/*
 * What a register counts beyond its HTTP and GraphQL durations: the SQL statements it has sent
 * (the benchmarks divide this by the requests they made, so the name stays
 * `spx_sql_statements_total`), its PostgreSQL pool (OpenTelemetry's `db.client.connections.*`
 * names of semantic conventions 1.24, which instrumentation-pg still emits by default; the
 * stable `db.client.connection.count` would become `db_client_connection_count`, a gauge whose
 * `_count` suffix Prometheus reads as a histogram's), and the requests refused as REGISTER_BUSY, by the transient condition behind them.
 * Counts kept elsewhere (the statement counter, the pg Pool's own figures) are read when scraped
 * rather than mirrored on every statement.
 */
import { Counter, type Registry } from "prom-client";
import type { StatementCounter } from "../database/statement-counter.js";
import { TRANSIENT_CONDITIONS } from "../database/transient-error.js";
import { boundedCounter, boundedGauge } from "./bounded-labels.js";

/** What node-postgres's Pool tells of itself. */
export interface PoolFigures {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { readonly max?: number | undefined };
}

export interface RegisterMetricsOptions {
  registry: Registry;
  statements?: StatementCounter | undefined;
  /** The register's PostgreSQL pool; an in-process PGlite has none. */
  pool?: PoolFigures | undefined;
}

export function registerMetrics({ registry, statements, pool }: RegisterMetricsOptions) {
  new Counter({
    name: "spx_sql_statements_total",
    help: "SQL statements the register has sent to its database.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(statements?.count ?? 0);
    },
  });
  if (pool) {
    boundedGauge(registry, {
      name: "db_client_connections_usage",
      help: "Connections of the register's PostgreSQL pool, by state.",
      labels: { state: ["idle", "used"] },
      collect: (gauge) => {
        gauge.set({ state: "idle" }, pool.idleCount);
        gauge.set({ state: "used" }, pool.totalCount - pool.idleCount);
      },
    });
    boundedGauge(registry, {
      name: "db_client_connections_pending_requests",
      help: "Requests waiting for a connection of the register's PostgreSQL pool.",
      labels: {},
      collect: (gauge) => gauge.set({}, pool.waitingCount),
    });
    boundedGauge(registry, {
      name: "db_client_connections_max",
      help: "The most connections the register's PostgreSQL pool opens.",
      labels: {},
      collect: (gauge) => gauge.set({}, pool.options.max ?? 10),
    });
  }
  const busy = boundedCounter(registry, {
    name: "spx_register_busy_total",
    help: "Requests refused as REGISTER_BUSY (retryable), by the transient database condition behind them.",
    labels: { condition: TRANSIENT_CONDITIONS },
  });
  // Every condition from zero, so that a rate over them is defined before the first refusal.
  for (const condition of TRANSIENT_CONDITIONS) {
    busy.zero({ condition });
  }
  return {
    /** A REGISTER_BUSY answer, with the condition `maskError` reported. */
    busy: (condition: string) => busy.inc({ condition }),
  };
}
