// What tracing costs: the README's cross-programme query (person-360), asked by an ANSS case worker
// of the subject's region, against two gateways over the SAME four subgraphs and data on
// PostgreSQL, both with everything on (authentication, policy, access log, edge): `full`, without
// tracing, and `full+tracing`, with tracing at the default sampling (parent-based, 1 in 10)
// exporting OTLP/HTTP JSON to a collector stand-in started here (tests/bench/otlp-sink.mjs). The
// registers trace too, exporting to the same sink; they follow the gateway's decision
// (OTEL_TRACES_SAMPLER=parentbased_always_off: a request the gateway does not trace starts no
// trace there), so `full` is answered untraced and `full+tracing` pays for every span of the
// requests it samples, in every service. Rounds alternate so that drift hits both.
//
//   npm run bench:tracing [-- --duration 10 --connections 10 --rounds 4 --ratio 0.1]
//
// --ratio samples another share of the gateway's requests (1: every one) to see what a recorded
// trace costs.
//
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import {
  alternate,
  benchOptions,
  caseWorkerOf,
  databaseUrl,
  demoSubject,
  entry,
  expectAnswers,
  figures,
  machine,
  PERSON_360,
  percent,
  today,
  warmUp,
  withSystem,
  writeResults,
} from "./harness.mjs";
import { startOtlpSink } from "./otlp-sink.mjs";

const {
  duration,
  connections: concurrencies,
  rounds,
  ratio,
} = benchOptions({ duration: 10, connections: [10], rounds: 4, ratio: 0.1 });
const ACCESS_LOG_DATABASE_URL = databaseUrl("spx_bench_trace_access_log");
const COST_TARGET = 5;

const sink = await startOtlpSink();
const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
const full = { GATEWAY_ACCESS_LOG: "on", ACCESS_LOG_DATABASE_URL };
let outcome;
try {
  outcome = await withSystem(
    {
      basePort: 5900,
      gateways: { full, "full+tracing": { ...full, ...tracing, OTEL_TRACES_SAMPLER_ARG: String(ratio) } },
      extraDatabases: ["spx_bench_trace_access_log"],
      databasePrefix: "spx_bench_trace",
      subgraphEnv: { ...tracing, OTEL_TRACES_SAMPLER: "parentbased_always_off" },
    },
    async ({ subgraphs, targets, officials }) => {
      const subject = await demoSubject(subgraphs);
      const body = JSON.stringify({ query: PERSON_360, variables: { idcs: subject.principal_idcs } });
      const { token, check } = await caseWorkerOf(subject, officials);
      await expectAnswers("tracing", targets, token, body, check);
      await warmUp({ targets, token, body, connections: Math.max(...concurrencies) });
      const report = [];
      for (const connections of concurrencies) {
        const before = sink.counts();
        const { results, summary } = await alternate({ targets, token, body, rounds, duration, connections });
        const after = sink.counts();
        const [traced, untraced] = [entry(summary, "full+tracing"), entry(summary, "full")];
        report.push({
          connections,
          results,
          summary,
          ratio: traced.rps / untraced.rps,
          throughputCostPercent: (1 - traced.rps / untraced.rps) * 100,
          exported: { spans: after.spans - before.spans, requests: after.requests - before.requests },
        });
      }
      return { report };
    },
  );
} finally {
  await sink.close();
}

const { report } = outcome;
const lines = [];
const exports = [];
for (const { connections, summary, ratio: relative, throughputCostPercent, exported } of report) {
  lines.push(
    `| ${connections} | full+tracing | ${figures(summary["full+tracing"])} | ${relative.toFixed(3)} | ${percent(throughputCostPercent)} |`,
    `| ${connections} | full | ${figures(summary.full)} | | |`,
  );
  exports.push(`${connections} connections: ${exported.spans} spans in ${exported.requests} export requests`);
}
const worst = Math.max(...report.map((r) => r.throughputCostPercent));
const table = [
  `person-360 (4 subgraphs, demo data on PostgreSQL), ANSS case worker of the region (CASE_MANAGEMENT), everything on, tracing sampled parent-based at ${ratio}${ratio === 0.1 ? " (the default)" : ""} to an OTLP/HTTP JSON stand-in, ${rounds} × ${duration} s per gateway and concurrency, alternating; ${machine()}; ${today()}`,
  "",
  "| Connections | Gateway | Requests/s | p50 (ms) | p99 (ms) | Errors | full+tracing / full | Throughput cost |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...lines,
  "",
  `Exported while measured, by all five services: ${exports.join("; ")}.`,
  "",
  `Target: tracing costs at most ${COST_TARGET}% of person-360 throughput: ${worst <= COST_TARGET ? "met" : "NOT met"} (${percent(worst)}).`,
].join("\n");
// Another ratio is another question: its results sit beside the default's, not over them.
writeResults(ratio === 0.1 ? "tracing" : `tracing-ratio-${ratio}`, "Tracing overhead", table, {
  connections: concurrencies,
  duration,
  rounds,
  sampler: "parentbased_traceidratio",
  samplerRatio: ratio,
  costTargetPercent: COST_TARGET,
  report,
});
