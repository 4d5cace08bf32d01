// `npm run cluster -- --measure` (or `node tests/bench/cluster.mjs [--replicas 2] [--rounds 3]
// [--duration 15] [--connections 16]`): the same load through HAProxy against a cluster of one
// replica of each service and one of N, both running side by side and measured in alternating rounds
// (tests/bench/harness.mjs), then the ratio. Both clusters share one DATA_DIR, so that one set of
// development tokens (many case workers of one region, so that no subject's rate limit is reached)
// serves both. On a machine of two cores this shows that replicas add no errors, not that they
// add speed: every process shares the same two cores.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_AUDIENCE, DEV_ISSUER, devKeyFiles, loadOrCreateSigningKey, mintToken } from "@spx/runtime/tokens";
import { dropDatabases, startCluster } from "../../scripts/cluster-system.mjs";
import { alternate, benchOptions, expectAnswers, figures, inTurn, machine, PERSON_360, warmUp } from "./harness.mjs";

const options = benchOptions({ replicas: 2, rounds: 3, duration: 15, connections: 16, officials: 200 });
const server = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const dataDir = mkdtempSync(path.join(tmpdir(), "spx-bench-cluster-"));
const run = `spx_bench_cluster_${Date.now().toString(36)}`;
/** @type {{ label: string, prefix: string, stop: () => Promise<void> }[]} */
const clusters = [];
try {
  /** @type {Record<string, string>} */
  const targets = {};
  for (const replicas of [1, options.replicas]) {
    const label = `${replicas} replica${replicas === 1 ? "" : "s"}`;
    const prefix = `${run}_${replicas}`;
    console.log(`starting the cluster of ${label}…`);
    const cluster = await startCluster({
      replicas,
      freePorts: true,
      statsPort: 0,
      databaseUrl: server,
      databasePrefix: prefix,
      dataDir,
      output: "capture",
      log: () => {},
      env: { LOG_LEVEL: "warn" },
    });
    clusters.push({ label, prefix, stop: cluster.stop });
    targets[label] = cluster.gatewayUrl;
  }
  const key = await loadOrCreateSigningKey(devKeyFiles(dataDir).issuer);
  const tokens = await Promise.all(
    Array.from({ length: options.officials }, (_, i) =>
      mintToken(
        key,
        { sub: `bench:anss:${i}`, agency: "ANSS", role: "CASE_WORKER", region: "02", purpose: "CASE_MANAGEMENT" },
        { issuer: DEV_ISSUER, audience: DEFAULT_AUDIENCE, ttlSeconds: 3600 },
      ),
    ),
  );
  const token = inTurn(tokens);
  const body = JSON.stringify({ query: PERSON_360, variables: { idcs: "1062609475" } });
  await expectAnswers("person 360", targets, token, body, (answer) => answer.data?.person && !answer.errors);
  await warmUp({ targets, token, body, connections: options.connections });
  const { summary } = await alternate({
    targets,
    token,
    body,
    rounds: options.rounds,
    duration: options.duration,
    connections: options.connections,
  });
  const [one, many] = Object.keys(targets).map((label) => summary[label]);
  console.log(`
Cross-programme query through HAProxy, ${options.connections} connections, ${options.rounds} × ${options.duration} s per cluster, alternating; ${machine()}

| Cluster | requests/s | p50 ms | p99 ms | errors |
| ------- | ---------- | ------ | ------ | ------ |
${Object.keys(targets)
  .map((label) => `| ${label} | ${figures(summary[label])} |`)
  .join("\n")}

${options.replicas} replicas / 1: ${one && many ? (many.rps / one.rps).toFixed(2) : "n/a"} × the requests per second
`);
} finally {
  for (const cluster of clusters) {
    await cluster.stop();
    await dropDatabases(server, cluster.prefix);
  }
  rmSync(dataDir, { recursive: true, force: true });
}
