// `npm run cluster [-- --replicas N]`: the system replicated behind HAProxy (scripts/cluster-system.mjs
// says how and why), in development mode, on PostgreSQL and Redis. Ctrl-C drains every replica and
// stops HAProxy last. `-- --measure` instead compares the throughput of one and of N replicas
// (tests/bench/cluster.mjs).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { REGISTERS, root, startCluster } from "./cluster-system.mjs";

const { values, tokens } = parseArgs({
  options: { replicas: { type: "string" }, measure: { type: "boolean" } },
  strict: false,
  tokens: true,
});
if (values.measure) {
  // The benchmark reads its own options (--replicas, --rounds, --duration, --connections).
  const args = process.argv.slice(2).filter((arg) => arg !== "--measure");
  const bench = spawnSync(process.execPath, [path.join(root, "tests", "bench", "cluster.mjs"), ...args], {
    stdio: "inherit",
  });
  process.exit(bench.status ?? 1);
} else {
  const unknown = tokens.filter((t) => t.kind === "option" && t.name !== "replicas" && t.name !== "measure");
  if (unknown.length > 0) {
    console.error(
      `Usage: npm run cluster [-- --replicas N] | [-- --measure [--replicas N] [--rounds R] [--duration S]]`,
    );
    process.exit(2);
  }
  await main();
}

async function main() {
  const env = process.env;
  const replicas = Number(values.replicas ?? env.CLUSTER_REPLICAS ?? 2);
  const started = Date.now();
  /** @type {Record<string, number>} */
  const registerPorts = {};
  for (const register of REGISTERS) {
    const value = env[`${register.envPrefix}_PORT`];
    if (value) {
      registerPorts[register.name] = Number(value);
    }
  }
  /** @type {Record<string, string>} */
  const passed = {};
  // NATS_URL: the registers' events through JetStream (unset: through the producers' feeds in the graph).
  for (const setting of [
    "LOG_LEVEL",
    "SHUTDOWN_GRACE_SECONDS",
    "NATS_URL",
    "EVENTS_POLL_INTERVAL_MS",
    "EVENTS_RELAY_INTERVAL_MS",
  ]) {
    const value = env[setting];
    if (value) {
      passed[setting] = value;
    }
  }
  /** @type {import("./cluster-system.mjs").Cluster | undefined} */
  let cluster;
  let stopping = false;
  const stop = async () => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log("Stopping: every replica drains, HAProxy last");
    await cluster?.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    cluster = await startCluster({
      replicas,
      ...(env.HOST ? { host: env.HOST } : {}),
      gatewayPort: Number(env.GATEWAY_PORT ?? 4000),
      registerPorts,
      replicaPortBase: Number(env.CLUSTER_REPLICA_PORT_BASE ?? 4100),
      statsPort: Number(env.CLUSTER_STATS_PORT ?? 4099),
      witnessPort: Number(env.CLUSTER_WITNESS_PORT ?? 4098),
      ...(env.CLUSTER_DATABASE_URL ? { databaseUrl: env.CLUSTER_DATABASE_URL } : {}),
      ...(env.CLUSTER_DATABASE_PREFIX ? { databasePrefix: env.CLUSTER_DATABASE_PREFIX } : {}),
      ...(env.CLUSTER_REDIS_URL ? { redisUrl: env.CLUSTER_REDIS_URL } : {}),
      ...(env.DATA_DIR ? { dataDir: env.DATA_DIR } : {}),
      env: { LOG_LEVEL: "warn", ...passed },
    });
  } catch (error) {
    console.error(`The cluster did not start: ${/** @type {Error} */ (error).message}`);
    process.exit(1);
  }
  if (stopping) {
    return;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = cluster.replicas.map((r) => `    ${r.name.padEnd(20)} ${r.url}  (pid ${r.pid()})`);
  const frontends = Object.entries(cluster.frontends).map(([name, url]) => `    ${name.padEnd(20)} ${url}`);
  console.log(`
  Replicated social protection data exchange ready in ${seconds} s (development mode: development keys
  under ${cluster.env.DATA_DIR}, demo data), ${replicas} replica(s) of each service behind HAProxy

  HAProxy frontends:
${frontends.join("\n")}
  HAProxy statistics:   ${cluster.statsUrl ?? "off"}
  Replicas:
${lines.join("\n")}
  Databases:            ${Object.values(cluster.databases).join("\n                        ")}
  Redis:                ${cluster.env.REDIS_URL}
  Events:               ${env.NATS_URL ? `NATS JetStream at ${env.NATS_URL}` : "the producers' feeds through the graph (set NATS_URL for JetStream)"}
  HAProxy configuration: ${cluster.haproxyConfig}

  Get a development token and query (through HAProxy):
    TOKEN=$(DATA_DIR=${cluster.env.DATA_DIR} npm run -s token -- --agency ANR --role SYSTEM --purpose REGISTRATION)
    curl -s ${cluster.gatewayUrl} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"query":"{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }"}'

  Kill a replica (kill -9 <pid>) and ask again: the other one answers. Ctrl-C stops everything.
`);
}
