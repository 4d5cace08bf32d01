// This commit against an earlier one, as deployed (authentication, authorization, the access log
// and the edge on): the whole system of each (four registers and a gateway, each on its own fresh
// databases with demo data on PostgreSQL) runs side by side, and rounds alternate between the two
// on the README's cross-programme query (person-360) and on CNSS's batch of 100 persons
// (agency-batch), so that a shared machine's drift hits both alike. What an issue's changes cost
// ("within 2% of today's full") is read here, where both run at once, not from two runs hours apart.
//
//   npm run bench:compare -- --base <commit> [--duration 8 --connections 10 --rounds 10 --only person-360]
//
// The base is checked out in a temporary worktree and installed (npm ci) and built there.
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  databaseUrl,
  edgeScenarios,
  entry,
  expectAnswer,
  figures,
  load,
  machine,
  medianOf,
  percent,
  root,
  today,
  watchCpu,
  withSystem,
  writeResults,
} from "./harness.mjs";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    duration: { type: "string", default: "8" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "10" },
    // Only the scenarios whose name starts with this (e.g. person-360).
    only: { type: "string", default: "" },
  },
});
if (!values.base) {
  console.error("Usage: npm run bench:compare -- --base <commit> [--duration 8 --connections 10 --rounds 10]");
  process.exit(2);
}
const [duration, connections, rounds] = [values.duration, values.connections, values.rounds].map(Number);
if (!(duration && connections && rounds)) {
  console.error("--duration, --connections and --rounds must be positive numbers");
  process.exit(2);
}
const base = values.base;
/** @param {string[]} args */
const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
const baseCommit = git("rev-parse", "--short", base);
const headCommit = git("rev-parse", "--short", "HEAD");
const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";

const work = mkdtempSync(path.join(tmpdir(), "spx-bench-base-"));
const baseRoot = path.join(work, "base");

/** The two systems, in the order of even rounds. */
const SYSTEMS = /** @type {const} */ (["base", "head"]);
/** @typedef {typeof SYSTEMS[number]} Which */
/**
 * @typedef {object} Run One measured run of one system.
 * @property {Record<string, number | null>} byProcess CPU milliseconds of each process
 * @property {number} rps
 * @property {number} p50
 * @property {number} p99
 * @property {number} errors
 * @property {number} requests
 * @property {number} cpuMs all the system's processes together
 */

try {
  console.error(`Installing and building ${baseCommit} in ${baseRoot} ...`);
  git("worktree", "add", "--detach", baseRoot, base);
  /** @type {import("node:child_process").ExecFileSyncOptions} */
  const quiet = { cwd: baseRoot, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true" } };
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], quiet);
  execFileSync("npm", ["run", "build", "--", "--output-logs=errors-only"], quiet);
  /** @param {string} name */
  const accessLog = (name) => ({ GATEWAY_ACCESS_LOG: "on", ACCESS_LOG_DATABASE_URL: databaseUrl(name) });
  await withSystem(
    {
      basePort: 4800,
      gateways: { base: accessLog("spx_bench_base_access_log") },
      extraDatabases: ["spx_bench_base_access_log"],
      systemRoot: baseRoot,
      databasePrefix: "spx_bench_base",
    },
    (base) =>
      withSystem(
        {
          basePort: 4900,
          gateways: { head: accessLog("spx_bench_head_access_log") },
          extraDatabases: ["spx_bench_head_access_log"],
          databasePrefix: "spx_bench_head",
        },
        async (head) => {
          const systems = { base, head };
          const scenarios = { base: await edgeScenarios(base), head: await edgeScenarios(head) };
          const report = [];
          const lines = [];
          const breakdown = [];
          /**
           * Scenario `s` of system `which`, and its gateway's URL.
           * @param {Which} which
           * @param {number} s
           */
          const scenarioOf = (which, s) => {
            const scenario = scenarios[which][s];
            if (!scenario) {
              throw new Error(`${which} has no scenario ${s}: both must list the same`);
            }
            return { ...scenario, url: entry(systems[which].targets, which) };
          };
          for (let s = 0; s < scenarios.head.length; s++) {
            const { name } = scenarioOf("head", s);
            if (!name.startsWith(values.only ?? "")) {
              continue;
            }
            /** @type {Record<Which, Run[]>} */
            const runs = { base: [], head: [] };
            /**
             * @param {Which} which
             * @param {number} seconds
             * @param {boolean} measured
             */
            const run = async (which, seconds, measured) => {
              const { token, body, url } = scenarioOf(which, s);
              // Each system's own processes, and PostgreSQL (idle for the other system meanwhile).
              const cpu = watchCpu(systems[which].processes);
              const result = await load(url, token, body, seconds, connections);
              const byProcess = cpu.stop(1);
              const cpuMs = Object.values(byProcess)
                .map((ms) => ms ?? Number.NaN)
                .reduce((sum, ms) => sum + ms, 0);
              if (measured) {
                runs[which].push({
                  byProcess,
                  rps: result.requests.average,
                  p50: result.latency.p50,
                  p99: result.latency.p99,
                  errors: result.errors + result.non2xx,
                  requests: result.requests.total,
                  cpuMs,
                });
              }
            };
            for (const which of SYSTEMS) {
              const { token, body, check, url } = scenarioOf(which, s);
              await expectAnswer(`${name}, ${which}`, url, token, body, check);
            }
            for (let pass = 0; pass < 2; pass++) {
              for (const which of SYSTEMS) {
                await run(which, 5, false);
              }
            }
            for (let round = 0; round < rounds; round++) {
              for (const which of round % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()) {
                await run(which, duration, true);
              }
            }
            /** @param {Which} which */
            const summaryOf = (which) => {
              const list = runs[which];
              const requests = list.reduce((sum, r) => sum + r.requests, 0);
              return {
                rps: medianOf(list.map((r) => r.rps)),
                p50: medianOf(list.map((r) => r.p50)),
                p99: medianOf(list.map((r) => r.p99)),
                errors: list.reduce((sum, r) => sum + r.errors, 0),
                requests,
                cpuMsPerRequest: list.reduce((sum, r) => sum + r.cpuMs, 0) / Math.max(requests, 1),
                // Where the CPU went: each process (and PostgreSQL), per request.
                /** @type {Record<string, number>} */
                cpuMsPerRequestByProcess: Object.fromEntries(
                  Object.keys(list[0]?.byProcess ?? {}).map((process) => [
                    process,
                    list.reduce((sum, r) => sum + (r.byProcess[process] ?? 0), 0) / Math.max(requests, 1),
                  ]),
                ),
              };
            };
            const summary = { base: summaryOf("base"), head: summaryOf("head") };
            // Each round runs both back to back: the median of the rounds' own ratios.
            const measuredCost = 100 * medianOf(runs.head.map((r, i) => 1 - r.rps / (runs.base[i]?.rps ?? Number.NaN)));
            // On a machine whose cores are the bottleneck, throughput goes as 1 / CPU per request.
            const cpuCost = 100 * (1 - summary.base.cpuMsPerRequest / summary.head.cpuMsPerRequest);
            report.push({ scenario: name, runs, summary, measuredCostPercent: measuredCost, cpuCostPercent: cpuCost });
            /** @param {Which} which */
            const where = (which) =>
              Object.entries(summary[which].cpuMsPerRequestByProcess)
                .map(([process, ms]) => `${process} ${ms.toFixed(2)}`)
                .join(", ");
            breakdown.push(`- ${name}: base ${where("base")}; head ${where("head")}`);
            for (const which of SYSTEMS) {
              const label =
                which === "base" ? `base ${baseCommit}` : `head ${headCommit}${dirty ? " (+ changes)" : ""}`;
              const costs = which === "head" ? [percent(measuredCost), percent(cpuCost)] : ["", ""];
              lines.push(
                `| ${name} | ${label} | ${figures(summary[which])} | ${summary[which].cpuMsPerRequest.toFixed(2)} | ${costs.join(" | ")} |`,
              );
            }
          }
          const table = [
            `Both systems as deployed (authentication, authorization, access log, edge), demo data on PostgreSQL, ${connections} connections, ${rounds} × ${duration} s per system, alternating; ${machine()}; ${today()}`,
            "",
            "| Scenario | System | Requests/s | p50 (ms) | p99 (ms) | Errors | System CPU / request (ms) | Cost (measured) | Cost (from CPU) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            ...lines,
            "",
            "CPU per request by process (ms):",
            "",
            ...breakdown,
            "",
            "Cost (measured): the median over rounds of each round's own ratio of requests/s, head against base. Cost (from CPU): 1 − base's CPU per request / head's, every process of the system and PostgreSQL counted (not the load generator): what the change takes from a machine whose cores are the bottleneck, which a shared machine's drift moves far less than requests/s. A negative cost is a gain.",
          ].join("\n");
          writeResults("compare", `This commit against ${baseCommit}`, table, {
            base: baseCommit,
            head: headCommit,
            dirty,
            connections,
            duration,
            rounds,
            report,
          });
        },
      ),
  );
} finally {
  try {
    git("worktree", "remove", "--force", baseRoot);
  } catch {}
  rmSync(work, { recursive: true, force: true });
}
