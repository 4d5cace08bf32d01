// What one metric observation costs on the hot path: a bounded histogram (@spx/runtime/metrics,
// label values checked against their sets, prom-client's child cached per combination) beside
// prom-client's own two ways of observing. Single process, no I/O; run after `npm run build`:
//
//   node tests/bench/metrics-cost.mjs [--observations 2000000]
import { parseArgs } from "node:util";
import { boundedHistogram, serviceRegistry } from "@spx/runtime/metrics";
import { Histogram } from "prom-client";

const { values } = parseArgs({ options: { observations: { type: "string", default: "2000000" } } });
const observations = Number(values.observations);
const registry = serviceRegistry();
const labels = {
  graphql_operation_name: ["FirstPersons", "Person360"],
  graphql_operation_type: ["query"],
  agency: ["ANR", "ANSS"],
  outcome: ["ok", "error"],
};
const bounded = boundedHistogram(registry, { name: "bench_bounded_seconds", help: "bench", labels });
const raw = new Histogram({
  name: "bench_raw_seconds",
  help: "bench",
  labelNames: Object.keys(labels),
  registers: [registry],
});
// One name in three is outside the set, as free-form documents are.
const names = ["FirstPersons", "Person360", "SomethingElse"];

/** @param {string} name @param {(i: number) => void} observe */
function measure(name, observe) {
  for (let i = 0; i < 200_000; i++) {
    observe(i);
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < observations; i++) {
    observe(i);
  }
  const ns = Number(process.hrtime.bigint() - started) / observations;
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns per observation`);
}

measure("bounded histogram (checked, cached child)", (i) =>
  bounded.observe(
    { graphql_operation_name: names[i % 3] ?? "", graphql_operation_type: "query", agency: "ANR", outcome: "ok" },
    0.01,
  ),
);
measure("prom-client observe(labels, value)", (i) =>
  raw.observe(
    { graphql_operation_name: names[i % 3] ?? "", graphql_operation_type: "query", agency: "ANR", outcome: "ok" },
    0.01,
  ),
);
measure("prom-client labels(...).observe(value)", (i) =>
  raw.labels(names[i % 3] ?? "", "query", "ANR", "ok").observe(0.01),
);
