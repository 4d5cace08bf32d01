// What the gateway's authorization costs: the README's cross-programme query, at fixed concurrency,
// against two gateways over the SAME four subgraphs and data on PostgreSQL: one enforcing the
// policy (GATEWAY_AUTHORIZATION=filter, the default) and one without its own check (off; the
// subgraphs still enforce theirs). Rounds alternate between the two so that drift hits both.
// Neither keeps an access log (GATEWAY_ACCESS_LOG=off): its cost is measured by access-log.mjs.
//
//   npm run bench:authorization [-- --duration 15 --connections 10 --rounds 3]
//
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import {
  benchOptions,
  caseWorkerOf,
  demoSubject,
  entry,
  figures,
  machine,
  measureScenario,
  PERSON_360,
  percent,
  today,
  withSystem,
  writeResults,
} from "./harness.mjs";

const { duration, connections, rounds } = benchOptions({ duration: 15, connections: 10, rounds: 3 });
/** @type {Record<string, string>} */
const LABELS = { filter: "on (filter)", off: "off" };

await withSystem(
  {
    basePort: 4600,
    gateways: {
      filter: { GATEWAY_AUTHORIZATION: "filter", GATEWAY_ACCESS_LOG: "off" },
      off: { GATEWAY_AUTHORIZATION: "off", GATEWAY_ACCESS_LOG: "off" },
    },
  },
  async ({ subgraphs, targets, officials }) => {
    // A head of household in both programmes, asked about by a case worker of their region.
    const subject = await demoSubject(subgraphs);
    const body = JSON.stringify({ query: PERSON_360, variables: { idcs: subject.principal_idcs } });
    const scenarios = [
      {
        name: "ANSS case worker of the region: nothing refused",
        ...(await caseWorkerOf(subject, officials)),
      },
      {
        name: "CNSS system: address, members, index, explanation and aid refused",
        // A system is one subject: its per-subject rate (500/s in the catalogue) is above this load.
        token: await officials(1, { sub: "bench:cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" }),
        /** @param {import("./harness.mjs").GraphQLAnswer} answer */
        check: (answer) =>
          answer.data?.person?.healthCoverage && answer.errors?.every((e) => e.extensions?.code === "FORBIDDEN"),
      },
    ];
    const report = [];
    const lines = [];
    for (const scenario of scenarios) {
      const { name, token, check } = scenario;
      const { results, summary } = await measureScenario({
        label: name,
        targets,
        token,
        body,
        check,
        rounds,
        duration,
        connections,
      });
      const overhead = (1 - entry(summary, "filter").rps / entry(summary, "off").rps) * 100;
      report.push({ scenario: scenario.name, results, summary, overheadPercent: overhead });
      for (const mode of ["filter", "off"]) {
        lines.push(
          `| ${scenario.name} | ${LABELS[mode]} | ${figures(summary[mode])} | ${mode === "filter" ? percent(overhead) : ""} |`,
        );
      }
    }
    const table = [
      `Cross-programme query (4 subgraphs, demo data on PostgreSQL), ${connections} connections, ${rounds} × ${duration} s per gateway, alternating; ${machine()}; ${today()}`,
      "",
      "| Caller | Gateway authorization | Requests/s | p50 (ms) | p99 (ms) | Errors | Throughput cost |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...lines,
      "",
      "Target: enforcement costs under 10% of throughput.",
    ].join("\n");
    writeResults("authorization", "Authorization overhead", table, {
      connections,
      duration,
      rounds,
      accessLog: "off",
      report,
    });
  },
);
