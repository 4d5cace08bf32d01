// The replicated system `npm run cluster` runs, startable from a test too: N replicas of the gateway
// and of each register, as separate processes on PostgreSQL and Redis, behind one HAProxy. The
// gateways reach the registers through HAProxy and the registers reach the graph through it as well,
// so that every hop may land on any replica, as it would across machines. Hand-written orchestration
// (not Compose or Kubernetes, which this machine does not run): it only starts processes, writes the
// balancer's configuration and waits for readiness; the balancing, health checks and retries are
// HAProxy's own. Development mode, like `npm start`: development keys and secrets under DATA_DIR,
// shared by every replica, and the demo data.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** @typedef {{ name: string, directory: string, envPrefix: string, port: number, local?: boolean }} SubgraphEntry */
/** @type {SubgraphEntry[]} */
const subgraphs = JSON.parse(readFileSync(path.join(root, "schema", "subgraphs.json"), "utf8"));
/** The registers, each served by its own replicas (the access log is served by the gateway). */
export const REGISTERS = subgraphs.filter((s) => !s.local);

// As `npm start`: a small young generation and a capped heap per process.
const NODE_FLAGS = ["--max-semi-space-size=1", "--max-old-space-size=256"];
const READY_TIMEOUT_MS = 120_000;

/**
 * @typedef {object} ClusterOptions
 * @property {number} [replicas] of the gateway and of each register (default 2)
 * @property {string} [host] where everything listens (default 127.0.0.1)
 * @property {number} [gatewayPort] the gateway frontend (default 4000)
 * @property {Record<string, number>} [registerPorts] each register's frontend, by name (default schema/subgraphs.json's)
 * @property {number} [replicaPortBase] replicas listen from here on, one port each (default 4100)
 * @property {number} [statsPort] HAProxy's statistics page (default 4099; 0 for none)
 * @property {number} [witnessPort] the access log's witness (default 4098)
 * @property {boolean} [freePorts] every port free a moment ago instead of the defaults (tests)
 * @property {string} [databaseUrl] the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432)
 * @property {string} [databasePrefix] database names begin with it (default spx_cluster)
 * @property {string} [redisUrl] (default redis://127.0.0.1:6379/11: a database number of its own)
 * @property {string} [dataDir] development keys and HAProxy's configuration (default .data/cluster)
 * @property {"inherit" | "capture"} [output] services' output to this process's, prefixed, or kept (tests)
 * @property {Record<string, string>} [env] more settings for every service (e.g. LOG_LEVEL)
 * @property {(line: string) => void} [log] what the cluster itself reports
 */

/**
 * @typedef {object} Replica One process of the gateway or of a register.
 * @property {string} name e.g. `gateway-1`, `population-2`
 * @property {string} kind `gateway` or the register's name
 * @property {number} port
 * @property {string} url `http://host:port`
 * @property {() => number | undefined} pid
 * @property {() => boolean} running
 * @property {() => Promise<void>} start starts it (again) and waits until it is ready
 * @property {(signal: NodeJS.Signals) => void} signal
 * @property {() => Promise<void>} exited resolves once it has exited (at once if it is not running)
 * @property {() => string} output the last 20,000 characters it wrote (with output: "capture")
 * @property {string} backend its HAProxy backend
 * @property {string} server its name there (`r1`, `r2`, …)
 */

/**
 * @typedef {object} ServerStats What HAProxy counted for one server (its statistics CSV).
 * @property {string} backend
 * @property {string} server
 * @property {string} status `UP`, `DOWN`, `UP 1/2` (going down), …
 * @property {number} sessions requests sent to it
 * @property {number} connectionErrors
 * @property {number} responseErrors
 * @property {number} retries
 * @property {number} redispatches
 */

/**
 * @typedef {object} Cluster
 * @property {string} gatewayUrl the gateway frontend's GraphQL URL
 * @property {Record<string, string>} frontends every frontend's base URL, by `gateway` or register name
 * @property {string | undefined} statsUrl
 * @property {Replica[]} replicas
 * @property {Record<string, string>} databases each register's database URL by name, and `access-log`'s
 * @property {Record<string, string>} env the settings every service shares (DATA_DIR, REDIS_URL, …)
 * @property {string} haproxyConfig the configuration file HAProxy runs
 * @property {() => Promise<ServerStats[]>} balancerStats every server's counters (needs the statistics page)
 * @property {(replica: Replica) => Promise<void>} inRotation resolves once HAProxy sends the replica requests again
 * @property {() => Promise<void>} stop drains every replica, then stops HAProxy
 */

/** A port free a moment ago. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** HAProxy when missing (it is a Debian package): the cluster cannot run without it. */
export function ensureHaproxy() {
  if (spawnSync("haproxy", ["-v"], { stdio: "ignore" }).status === 0) {
    return;
  }
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  for (const args of [
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "haproxy"],
  ]) {
    const command = [...sudo, ...args];
    const result = spawnSync(command[0] ?? "apt-get", command.slice(1), { stdio: "inherit" });
    if (result.status !== 0) {
      throw new Error(`haproxy is missing and \`${command.join(" ")}\` failed: install it and run again`);
    }
  }
}

/**
 * Creates each database that is missing on the server; the registers migrate and seed their own.
 * @param {string} serverUrl
 * @param {string[]} names
 */
async function createDatabases(serverUrl, names) {
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const name of names) {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (!rowCount) {
        await client.query(`CREATE DATABASE "${name}"`);
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Drops the databases a cluster made (tests).
 * @param {string} serverUrl
 * @param {string} prefix
 */
export async function dropDatabases(serverUrl, prefix) {
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const name of databaseNames(prefix)) {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/** @param {string} prefix */
const databaseNames = (prefix) =>
  [...REGISTERS.map((r) => r.name), "access-log", "witness"].map((n) => databaseName(prefix, n));
/** @param {string} prefix @param {string} name */
const databaseName = (prefix, name) => `${prefix}_${name.replaceAll("-", "_")}`;

/**
 * HAProxy's configuration. Why each setting:
 * - health checks on /readyz every 500 ms, down after 2 failures and up after 2 successes: a
 *   draining replica answers 503 there at once, a killed one refuses the connection; either is out
 *   of rotation within about a second, and a restarted one back in as soon as it is ready. A check
 *   may take 3 s (`timeout check`; HAProxy's default is the 500 ms interval): a busy gateway's
 *   readiness, which asks every register, took longer under load, and every replica was taken out
 *   of rotation while all were healthy (the whole frontend answered 503);
 * - `retries 3` with `option redispatch 1`: every retry goes to another replica, so a request that
 *   met a dead or draining one is served by a live one instead of failing;
 * - `retry-on conn-failure empty-response 503`: a refused connection (nothing sent), a replica that
 *   died before answering, or a 503, which these services answer only while draining (SHUTTING_DOWN:
 *   nothing was done) or when they cannot serve at all. An empty response may follow a request that
 *   was carried out, so it is retried only where a replay is harmless: towards the registers every
 *   request carries a single-use gateway token, which the register that died has already spent in
 *   Redis if it began the work, so a replayed write is refused rather than done twice (a replayed
 *   read is refused too, and the gateway asks again with a fresh token: see
 *   gateway/src/edge/query-retry.ts); at the gateway frontend, a mutation is replayed only when it
 *   carries an idempotency key, and a request by document id (whose body does not say whether it
 *   is a query) is not replayed at all: both get the connection-failure and 503 retries alone;
 * - `timeout http-keep-alive 60s`: an idle client connection is closed by its client first (undici
 *   after 4 s, the gateway's pool after 30 s), never by HAProxy just as the client reuses it, which
 *   that client would see as a failed request (with 4 s, as undici's, the two raced);
 * - `timeout server 15s`: past the gateway's own request deadline (10 s), so that the gateway,
 *   not the balancer, answers a slow request, typed.
 * @param {{ host: string, statsPort: number, gateway: { port: number, replicas: number[] },
 *   registers: { name: string, port: number, replicas: number[] }[] }} layout
 */
export function haproxyConfiguration(layout) {
  /** @param {number[]} ports */
  const servers = (ports) => ports.map((port, i) => `  server r${i + 1} ${layout.host}:${port} check`).join("\n");
  const backend = `  balance leastconn
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
  retries 3
  option redispatch 1`;
  const sections = [
    `global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 15s
  timeout http-request 10s
  timeout http-keep-alive 60s
  timeout queue 5s
  timeout check 3s`,
    `frontend gateway
  bind ${layout.host}:${layout.gateway.port}
  default_backend gateways

backend gateways
${backend.replace("GET /readyz", "GET /readyz?scope=gateway")}
  # The body is read before a server is chosen, so that the retry rules below can see it.
  option http-buffer-request
  acl mutation req.body -m reg -i (^|[^A-Za-z0-9_])mutation([^A-Za-z0-9_]|$)
  acl idempotency_key req.body -m sub idempotencyKey
  acl by_id req.body -m reg "(documentId|persistedQuery)"
  acl text req.body -m sub "query"
  retry-on conn-failure empty-response 503
  http-request disable-l7-retry if mutation !idempotency_key
  http-request disable-l7-retry if by_id !text
${servers(layout.gateway.replicas)}`,
    ...layout.registers.map(
      (register) => `frontend ${register.name}
  bind ${layout.host}:${register.port}
  default_backend ${register.name}-replicas

backend ${register.name}-replicas
${backend}
  retry-on conn-failure empty-response 503
${servers(register.replicas)}`,
    ),
  ];
  if (layout.statsPort) {
    sections.push(`frontend stats
  bind ${layout.host}:${layout.statsPort}
  stats enable
  stats uri /
  stats refresh 2s`);
  }
  return `${sections.join("\n\n")}\n`;
}

/**
 * Starts the cluster and resolves once every replica is ready; on failure everything started is
 * stopped before the error is thrown.
 * @param {ClusterOptions} [options]
 * @returns {Promise<Cluster>}
 */
export async function startCluster(options = {}) {
  const log = options.log ?? ((line) => console.log(line));
  const replicasPerKind = options.replicas ?? 2;
  if (!Number.isInteger(replicasPerKind) || replicasPerKind < 1 || replicasPerKind > 8) {
    throw new Error("replicas must be a whole number from 1 to 8");
  }
  const host = options.host ?? "127.0.0.1";
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const port = options.freePorts ? freePort : /** @param {number} fallback */ async (fallback) => fallback;
  let nextReplicaPort = options.replicaPortBase ?? 4100;
  const replicaPort = options.freePorts ? freePort : async () => nextReplicaPort++;
  const gatewayPort = await port(options.gatewayPort ?? 4000);
  const statsPort = options.statsPort === 0 ? 0 : await port(options.statsPort ?? 4099);
  // The access log's witness (one: it is the outsider's, not a replica of the exchange).
  const witnessPort = await port(options.witnessPort ?? 4098);
  /** @type {Record<string, number>} */
  const registerPorts = {};
  for (const register of REGISTERS) {
    registerPorts[register.name] = await port(options.registerPorts?.[register.name] ?? register.port);
  }
  const serverUrl = options.databaseUrl ?? "postgresql://postgres@127.0.0.1:5432";
  const prefix = options.databasePrefix ?? "spx_cluster";
  /** @type {Record<string, string>} */
  const databases = {};
  for (const name of [...REGISTERS.map((r) => r.name), "access-log", "witness"]) {
    const url = new URL(serverUrl);
    url.pathname = `/${databaseName(prefix, name)}`;
    databases[name] = url.toString();
  }
  const dataDir = path.resolve(root, options.dataDir ?? path.join(".data", "cluster"));
  mkdirSync(dataDir, { recursive: true });
  const base = (/** @type {number} */ p) => `http://${shownHost}:${p}`;
  const gatewayUrl = `${base(gatewayPort)}/graphql`;
  /** @type {Record<string, string>} */
  const env = {
    NODE_ENV: "development",
    HOST: host,
    DATA_DIR: dataDir,
    REDIS_URL: options.redisUrl ?? "redis://127.0.0.1:6379/11",
    // Every gateway must hash a subject alike to share its limits; a new secret each start
    // only begins the windows afresh.
    RATE_LIMIT_KEY: randomBytes(32).toString("base64url"),
    // Registers ask the graph through the gateway frontend, like any client.
    GATEWAY_URL: gatewayUrl,
    // Where the gateways submit checkpoints (their development default names this port).
    WITNESS_PORT: String(witnessPort),
    ...options.env,
  };
  ensureHaproxy();
  await createDatabases(serverUrl, databaseNames(prefix));

  /** @type {Replica[]} */
  const replicas = [];
  /** @type {(() => Promise<void>)[]} */
  const started = [];
  let haproxy = /** @type {import("node:child_process").ChildProcess | undefined} */ (undefined);
  /** @type {Replica | undefined} */
  let witness;
  let stopping = false;

  /**
   * @param {string} kind
   * @param {number} index
   * @param {string} script
   * @param {Record<string, string>} ownEnv
   * @param {number} [fixedPort]
   * @returns {Promise<Replica>}
   */
  const replica = async (kind, index, script, ownEnv, fixedPort = undefined) => {
    const name = `${kind}-${index + 1}`;
    const backend = kind === "gateway" ? "gateways" : `${kind}-replicas`;
    const replicaPortNumber = fixedPort ?? (await replicaPort());
    const url = base(replicaPortNumber);
    const ownPort =
      kind === "gateway"
        ? "GATEWAY_PORT"
        : kind === "witness"
          ? "WITNESS_PORT"
          : `${REGISTERS.find((r) => r.name === kind)?.envPrefix}_PORT`;
    /** @type {import("node:child_process").ChildProcess | undefined} */
    let child;
    let exited = Promise.resolve();
    let kept = "";
    const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
    /** @type {Replica} */
    const self = {
      name,
      kind,
      port: replicaPortNumber,
      url,
      pid: () => child?.pid,
      running,
      signal: (signal) => {
        if (running()) {
          child?.kill(signal);
        }
      },
      exited: () => exited,
      output: () => kept,
      backend,
      server: `r${index + 1}`,
      async start() {
        if (running()) {
          throw new Error(`${name} is running`);
        }
        const process_ = spawn(process.execPath, [...NODE_FLAGS, path.join(root, script)], {
          cwd: root,
          env: { ...process.env, ...env, ...ownEnv, [ownPort]: String(replicaPortNumber) },
          stdio: ["ignore", "pipe", "pipe"],
        });
        child = process_;
        exited = new Promise((resolve) => process_.once("exit", () => resolve()));
        const write = options.output === "capture" ? undefined : process.stdout;
        for (const stream of [process_.stdout, process_.stderr]) {
          let partial = "";
          stream?.on("data", (/** @type {Buffer} */ chunk) => {
            kept = (kept + chunk.toString()).slice(-20_000);
            if (write) {
              const lines = (partial + chunk.toString()).split("\n");
              partial = lines.pop() ?? "";
              for (const line of lines) {
                write.write(`[${name}] ${line}\n`);
              }
            }
          });
        }
        process_.once("exit", (code, signal) => {
          if (!stopping) {
            log(`${name} exited (${signal ?? code}); not restarted: HAProxy sends requests to the replicas still up`);
          }
        });
        await ready(self);
      },
    };
    return self;
  };

  /** @param {Replica} target */
  const ready = async (target) => {
    const since = Date.now();
    for (;;) {
      if (!target.running()) {
        throw new Error(`${target.name} exited before it was ready:\n${target.output().slice(-4000)}`);
      }
      try {
        const answer = await fetch(`${target.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (answer.ok) {
          return;
        }
      } catch {}
      if (Date.now() - since > READY_TIMEOUT_MS) {
        throw new Error(
          `${target.name} not ready after ${READY_TIMEOUT_MS / 1000} s:\n${target.output().slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const stop = async () => {
    stopping = true;
    // Every replica drains at once (readiness 503, requests in flight finish); HAProxy stays until
    // the last has exited, so that what they still answer reaches its client.
    const grace = (Number(env.SHUTDOWN_GRACE_SECONDS || 10) + 3) * 1_000;
    await Promise.all(
      replicas.map(async (r) => {
        r.signal("SIGTERM");
        const killer = setTimeout(() => r.signal("SIGKILL"), grace);
        await r.exited();
        clearTimeout(killer);
      }),
    );
    if (witness) {
      witness.signal("SIGTERM");
      await witness.exited();
    }
    if (haproxy && haproxy.exitCode === null && haproxy.signalCode === null) {
      const exited = new Promise((resolve) => haproxy?.once("exit", resolve));
      haproxy.kill("SIGTERM");
      await exited;
    }
    for (const step of started.splice(0)) {
      await step();
    }
  };

  try {
    /** @type {Record<string, string>} */
    const registerUrls = {};
    /** @type {{ name: string, port: number, replicas: number[] }[]} */
    const registerLayout = [];
    /** @type {Replica[]} */
    const gateways = [];
    for (const register of REGISTERS) {
      const frontendPort = registerPorts[register.name] ?? register.port;
      registerUrls[`${register.envPrefix}_URL`] = `${base(frontendPort)}/graphql`;
      const own = { [`${register.envPrefix}_DATABASE_URL`]: databases[register.name] ?? "" };
      const ofRegister = [];
      for (let i = 0; i < replicasPerKind; i++) {
        // Only the first replica seeds an empty database: two seeding at once would race.
        const script = path.join(register.directory, "dist", "main.js");
        ofRegister.push(await replica(register.name, i, script, { ...own, DEMO_SEED: i === 0 ? "true" : "false" }));
      }
      replicas.push(...ofRegister);
      registerLayout.push({ name: register.name, port: frontendPort, replicas: ofRegister.map((r) => r.port) });
    }
    for (let i = 0; i < replicasPerKind; i++) {
      gateways.push(
        await replica("gateway", i, path.join("gateway", "dist", "main.js"), {
          ...registerUrls,
          ACCESS_LOG_DATABASE_URL: databases["access-log"] ?? "",
        }),
      );
    }
    replicas.unshift(...gateways);
    const haproxyConfig = path.join(dataDir, `haproxy-${gatewayPort}.cfg`);
    writeFileSync(
      haproxyConfig,
      haproxyConfiguration({
        host,
        statsPort,
        gateway: { port: gatewayPort, replicas: gateways.map((g) => g.port) },
        registers: registerLayout,
      }),
    );
    const check = spawnSync("haproxy", ["-c", "-q", "-f", haproxyConfig], { encoding: "utf8" });
    if (check.status !== 0) {
      throw new Error(`HAProxy refused ${haproxyConfig}:\n${check.stdout}${check.stderr}`);
    }
    const balancer = spawn("haproxy", ["-db", "-f", haproxyConfig], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy = balancer;
    for (const stream of [balancer.stdout, balancer.stderr]) {
      stream?.on("data", (/** @type {Buffer} */ chunk) => {
        for (const line of chunk.toString().split("\n").filter(Boolean)) {
          log(`[haproxy] ${line}`);
        }
      });
    }
    balancer.once("exit", (code, signal) => {
      if (!stopping) {
        log(`haproxy exited (${signal ?? code})`);
      }
    });
    witness = await replica(
      "witness",
      0,
      path.join("witness", "dist", "main.js"),
      { WITNESS_DATABASE_URL: databases.witness ?? "" },
      witnessPort,
    );
    await witness.start();
    // The first replica of each register first (it migrates and seeds), then all the others at once.
    const first = replicas.filter((r) => r.kind !== "gateway" && r.name.endsWith("-1"));
    await Promise.all(first.map((r) => r.start()));
    await Promise.all(replicas.filter((r) => !first.includes(r)).map((r) => r.start()));
    /** @type {Record<string, string>} */
    const frontends = { gateway: base(gatewayPort) };
    for (const register of registerLayout) {
      frontends[register.name] = base(register.port);
    }
    await waitForFrontend(`${frontends.gateway}/readyz`);
    const statsUrl = statsPort ? base(statsPort) : undefined;
    const balancerStats = () => {
      if (!statsUrl) {
        throw new Error("HAProxy's statistics page is off (statsPort 0)");
      }
      return serverStats(statsUrl);
    };
    return {
      gatewayUrl,
      frontends,
      statsUrl,
      replicas,
      balancerStats,
      async inRotation(target) {
        const since = Date.now();
        for (;;) {
          const stats = await balancerStats();
          if (stats.some((s) => s.backend === target.backend && s.server === target.server && s.status === "UP")) {
            return;
          }
          if (Date.now() - since > 30_000) {
            throw new Error(`HAProxy did not put ${target.name} back in rotation within 30 s`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      databases,
      env: { ...env, ACCESS_LOG_DATABASE_URL: databases["access-log"] ?? "" },
      haproxyConfig,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Every server's line of HAProxy's statistics CSV (its columns are named by the first line).
 * @param {string} statsUrl
 * @returns {Promise<ServerStats[]>}
 */
async function serverStats(statsUrl) {
  const csv = await (await fetch(`${statsUrl}/;csv`, { signal: AbortSignal.timeout(2000) })).text();
  const [header = "", ...lines] = csv.split("\n").filter(Boolean);
  const columns = header.replace(/^# /, "").split(",");
  return lines
    .map((line) => {
      const cells = line.split(",");
      /** @param {string} column */
      const cell = (column) => cells[columns.indexOf(column)] ?? "";
      /** @param {string} column */
      const count = (column) => Number(cell(column) || 0);
      return {
        backend: cell("pxname"),
        server: cell("svname"),
        status: cell("status"),
        sessions: count("stot"),
        connectionErrors: count("econ"),
        responseErrors: count("eresp"),
        retries: count("wretr"),
        redispatches: count("wredis"),
      };
    })
    .filter((s) => s.server !== "FRONTEND" && s.server !== "BACKEND");
}

/** HAProxy marks a server up after two good checks: the frontend answers once one is up. @param {string} url */
async function waitForFrontend(url) {
  const since = Date.now();
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) {
        return;
      }
    } catch {}
    if (Date.now() - since > 30_000) {
      throw new Error(`${url} not ready through HAProxy after 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
