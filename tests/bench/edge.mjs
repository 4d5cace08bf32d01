// What the edge costs: operation limits, demand control and rate limits, on the README's
// cross-programme query (person-360) and on CNSS's batch of 100 persons (agency-batch), at fixed
// concurrency, against two gateways over the SAME four subgraphs and demo data on PostgreSQL: one
// as deployed (everything on: authentication, authorization, the access log and the edge) and one
// with only the edge off (GATEWAY_EDGE=off, benchmarks only). Rounds alternate between the two so
// that drift hits both; figures are medians over rounds. `npm run bench` measures the same pair
// beside the peers, with fewer rounds.
//
//   npm run bench:edge [-- --duration 10 --connections 10 --rounds 6]
//
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import {
  benchOptions,
  databaseUrl,
  edgeScenarios,
  entry,
  figures,
  machine,
  measureScenario,
  medianOf,
  percent,
  today,
  withSystem,
  writeResults,
} from "./harness.mjs";

const { duration, connections, rounds } = benchOptions({ duration: 10, connections: 10, rounds: 6 });
const LABELS = { edge: "on", "no-edge": "off (GATEWAY_EDGE=off)" };
const accessLog = { GATEWAY_ACCESS_LOG: "on", ACCESS_LOG_DATABASE_URL: databaseUrl("spx_bench_edge_access_log") };

await withSystem(
  {
    basePort: 4700,
    gateways: { edge: accessLog, "no-edge": { ...accessLog, GATEWAY_EDGE: "off" } },
    extraDatabases: ["spx_bench_edge_access_log"],
  },
  async ({ subgraphs, targets, officials, processes }) => {
    const scenarios = await edgeScenarios({ subgraphs, officials });
    const report = [];
    const lines = [];
    for (const scenario of scenarios) {
      const { results, summary } = await measureScenario({
        label: scenario.name,
        targets,
        token: scenario.token,
        body: scenario.body,
        check: scenario.check,
        rounds,
        duration,
        connections,
        cpuOf: processes,
      });
      // CPU per request of one process, or of the whole system (every service and PostgreSQL),
      // over the runs of one gateway; null off Linux.
      /**
       * @param {string} mode
       * @param {string[]} names
       */
      const cpuPerRequest = (mode, names) => {
        let ms = 0;
        for (const run of entry(results, mode)) {
          for (const name of names) {
            const used = run.cpuMs?.[name];
            if (used === null || used === undefined) {
              return null;
            }
            ms += used;
          }
        }
        return ms / Math.max(entry(summary, mode).requests, 1);
      };
      /** @param {string} mode */
      const perRequest = (mode) => cpuPerRequest(mode, [mode]);
      const gatewayCpu = { edge: perRequest("edge"), "no-edge": perRequest("no-edge") };
      const systemNames = [...processes.map((p) => p.name), "postgres"];
      const systemCpu = { edge: cpuPerRequest("edge", systemNames), "no-edge": cpuPerRequest("no-edge", systemNames) };
      // On a machine whose cores are the bottleneck (this one: 2 cores for five services,
      // PostgreSQL and the load), throughput goes as the inverse of CPU per request: a figure that
      // a shared machine's drift moves far less than requests/s (rounds here vary by ±15%).
      // The registers and PostgreSQL do the same work for both gateways: their CPU per request
      // differing between the two shows the machine's drift (±3–4% here), which hits the gateways
      // too. Scaled by it, the gateway's extra CPU is the edge's own, as a share of the system's.
      const registerNames = [...processes.filter((p) => !(p.name in targets)).map((p) => p.name), "postgres"];
      const controlRatio =
        (cpuPerRequest("edge", registerNames) ?? Number.NaN) / (cpuPerRequest("no-edge", registerNames) ?? Number.NaN);
      const correctedCost =
        systemCpu["no-edge"] === null || gatewayCpu.edge === null || gatewayCpu["no-edge"] === null
          ? null
          : (100 * (gatewayCpu.edge / controlRatio - gatewayCpu["no-edge"])) / systemCpu["no-edge"];
      const cpuBoundCost =
        systemCpu.edge === null || systemCpu["no-edge"] === null
          ? null
          : (1 - systemCpu["no-edge"] / systemCpu.edge) * 100;
      // Each round runs both gateways back to back (in alternating order): the median of the
      // rounds' own ratios cancels the drift of a shared machine better than a ratio of medians.
      const withoutEdge = entry(results, "no-edge");
      const overhead =
        100 * medianOf(entry(results, "edge").map((run, i) => 1 - run.rps / (withoutEdge[i]?.rps ?? Number.NaN)));
      report.push({
        scenario: scenario.name,
        results,
        summary,
        overheadPercent: overhead,
        gatewayCpuMsPerRequest: gatewayCpu,
        systemCpuMsPerRequest: systemCpu,
        cpuBoundCostPercent: cpuBoundCost,
        registersCpuRatio: controlRatio,
        correctedCostPercent: correctedCost,
      });
      for (const mode of /** @type {const} */ (["edge", "no-edge"])) {
        /** @param {number | null} value */
        const ms = (value) => (value === null ? "n/a" : value.toFixed(2));
        const costs =
          mode === "edge"
            ? [
                percent(overhead),
                ...[cpuBoundCost, correctedCost].map((cost) => (cost === null ? "n/a" : percent(cost))),
              ]
            : ["", "", ""];
        lines.push(
          `| ${scenario.name} | ${LABELS[mode]} | ${figures(summary[mode])} | ${ms(gatewayCpu[mode])} | ${ms(systemCpu[mode])} | ${costs.join(" | ")} |`,
        );
      }
    }
    const table = [
      `Demo data on PostgreSQL, everything else on (authentication, authorization, access log), ${connections} connections, ${rounds} × ${duration} s per gateway, alternating; ${machine()}; ${today()}`,
      "",
      "| Scenario | Edge (limits, cost, rate limits) | Requests/s | p50 (ms) | p99 (ms) | Errors | Gateway CPU / request (ms) | System CPU / request (ms) | Throughput cost (measured) | Throughput cost (from CPU) | Edge's own CPU (drift-corrected) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...lines,
      "",
      "Throughput cost (measured): the median over rounds of each round's own ratio of requests/s (both gateways run back to back in every round). Throughput cost (from CPU): 1 − the system's CPU per request without the edge / with it, every service and PostgreSQL counted (the load generator is not), which is what the edge takes from a machine whose cores are the bottleneck. Edge's own CPU (drift-corrected): the gateway's extra CPU per request with the edge, once scaled by how much the registers' and PostgreSQL's CPU per request (the same work for both gateways) moved between the two, as a share of the system's CPU per request. Target: the edge costs under 3% of throughput.",
    ].join("\n");
    writeResults("edge", "What the edge costs", table, { connections, duration, rounds, report });
  },
);
