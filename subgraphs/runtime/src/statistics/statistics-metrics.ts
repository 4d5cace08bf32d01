/*
 * What an operator watches of a register's statistics at /metrics: how old each snapshot is (the
 * as-of time every answer carries), what its last refresh cost, and the refreshes that failed.
 * Read when scraped from what this process last saw (the schedule checks every snapshot about
 * every quarter of STATISTICS_REFRESH_SECONDS), so a scrape never queries the database. The label
 * is the statistic's name, from the register's own declarations.
 */
import { Counter, type Registry } from "prom-client";
import { boundedGauge } from "../metrics/bounded-labels.js";
import type { Statistics } from "./statistics-service.js";

export function statisticsMetrics(registry: Registry, statistics: Statistics): void {
  const names = statistics.names;
  if (names.length === 0) {
    return;
  }
  boundedGauge(registry, {
    name: "spx_statistics_snapshot_age_seconds",
    help: "How old each statistic's snapshot is (its computedAt), as this process last saw it.",
    labels: { statistic: names },
    collect: (gauge) => {
      for (const name of names) {
        const { computedAt } = statistics.observed(name);
        if (computedAt) {
          gauge.set({ statistic: name }, (Date.now() - computedAt.getTime()) / 1000);
        }
      }
    },
  });
  boundedGauge(registry, {
    name: "spx_statistics_refresh_duration_seconds",
    help: "How long the statistic's last refresh took (a refresh waits at least ten times this).",
    labels: { statistic: names },
    collect: (gauge) => {
      for (const name of names) {
        const { refreshMs } = statistics.observed(name);
        if (typeof refreshMs === "number") {
          gauge.set({ statistic: name }, refreshMs / 1000);
        }
      }
    },
  });
  new Counter({
    name: "spx_statistics_refresh_failures_total",
    help: "Refreshes of the statistic that failed in this process (the previous snapshot is served meanwhile).",
    labelNames: ["statistic"],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of names) {
        this.inc({ statistic: name }, statistics.observed(name).failures);
      }
    },
  });
}
