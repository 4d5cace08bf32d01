// `npm start`: runs every subgraph, the gateway and one witness of its access log as separate
// processes on this machine, then prints how to use it. Unless every database URL is set, it first
// starts the embedded database (one PGlite under DATA_DIR, served on 127.0.0.1:EMBEDDED_DATABASE_PORT)
// and gives each service without a URL its own database there. Ctrl-C stops them all, the embedded database last.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** @type {{ name: string, directory: string, envPrefix: string, port: number, local?: boolean }[]} */
const subgraphs = JSON.parse(readFileSync(path.join(root, "schema", "subgraphs.json"), "utf8"));
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env, DATA_DIR: path.resolve(root, process.env.DATA_DIR ?? ".data") };
const host = env.HOST ?? "127.0.0.1";
const gatewayPort = Number(env.GATEWAY_PORT ?? 4000);
const witnessPort = Number(env.WITNESS_PORT ?? 4100);
const READY_TIMEOUT_MS = 120_000;

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const children = new Map();
let stopping = false;
// A service that refuses its configuration exits 2 with the list of what it lacks (production): the
// others are left to print theirs too, so that an operator sees everything missing in one go.
const REFUSED_CONFIGURATION = 2;
const CONFIGURATION_GRACE_MS = 5_000;
/** @type {string[]} */
const refused = [];
let ready = false;

// A development system's services hold little: a small young generation and a capped heap keep each
// process's memory near what it uses (measured in the README's section on the embedded default).
const NODE_FLAGS = ["--max-semi-space-size=1", "--max-old-space-size=256"];

/**
 * Starts `script` as service `name`; its exit stops everything (see above for a refused configuration).
 * @param {string} name
 * @param {string} script
 * @param {Record<string, string>} [extraEnv]
 * @param {"inherit" | "pipe"} [stdout]
 */
function run(name, script, extraEnv = {}, stdout = "inherit") {
  const child = spawn(process.execPath, [...NODE_FLAGS, script], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ["ignore", stdout, "inherit"],
  });
  children.set(name, child);
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (!stopping && !ready && code === REFUSED_CONFIGURATION) {
      refused.push(name);
      if (children.size === 0) {
        console.error(`Refused to start: ${refused.join(", ")} (each listed what it lacks above)`);
        process.exit(REFUSED_CONFIGURATION);
      }
      if (refused.length === 1) {
        setTimeout(() => stop(REFUSED_CONFIGURATION), CONFIGURATION_GRACE_MS).unref();
      }
    } else if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping everything`);
      stop(1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    } else if (stopping) {
      stopDatabaseLast();
    }
  });
  return child;
}

// The services close their pools first; the database then closes PGlite cleanly.
function stopDatabaseLast() {
  const database = children.get("database");
  if (database && children.size === 1) {
    database.kill("SIGTERM");
  }
}

/** @param {number} code */
function stop(code) {
  if (stopping) {
    return;
  }
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) {
    process.exit(code);
  }
  for (const [name, child] of children) {
    if (name !== "database") {
      child.kill("SIGTERM");
    }
  }
  stopDatabaseLast();
  // Each service exits by itself at the latest a second after its drain's grace.
  setTimeout(
    () => {
      for (const child of children.values()) {
        child.kill("SIGKILL");
      }
      process.exit(code || 1);
    },
    (Number(env.SHUTDOWN_GRACE_SECONDS || 10) + 3) * 1_000,
  ).unref();
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const started = Date.now();
const base = `http://${host.includes(":") ? `[${host}]` : host}:${gatewayPort}`;
// Subgraphs that need facts from other registers ask the graph, through the gateway.
env.GATEWAY_URL ??= `${base}/graphql`;
/** @type {Record<string, string>} */
const urls = {};
const registers = subgraphs.filter((s) => !s.local);
/** @type {[setting: string, name: string][]} */
const databaseSettings = [
  ...registers.map((s) => /** @type {[string, string]} */ ([`${s.envPrefix}_DATABASE_URL`, s.name])),
  ["ACCESS_LOG_DATABASE_URL", "access-log"],
  ["WITNESS_DATABASE_URL", "witness"],
];
const embedded = databaseSettings.filter(([setting]) => !env[setting]);
// In production every service refuses the embedded database and names the URL it lacks.
if (embedded.length > 0 && env.NODE_ENV !== "production") {
  const port = await startEmbeddedDatabase();
  for (const [setting, name] of embedded) {
    env[setting] = `postgresql://postgres@127.0.0.1:${port}/${name}?schema=${name.replaceAll("-", "_")}`;
  }
  // Every service queues for the one PGlite, for longer than a PostgreSQL would make it wait
  // (the demo seeds of a first start run one after another).
  env.DATABASE_CONNECT_TIMEOUT_MS ??= "30000";
  env.DATABASE_QUERY_TIMEOUT_MS ??= "30000";
}
// The access log is served by the gateway itself.
for (const subgraph of registers) {
  const port = Number(env[`${subgraph.envPrefix}_PORT`] ?? subgraph.port);
  urls[`${subgraph.envPrefix}_URL`] = env[`${subgraph.envPrefix}_URL`] ?? `http://${host}:${port}/graphql`;
  run(subgraph.name, path.join(root, subgraph.directory, "dist", "main.js"));
}
run("gateway", path.join(root, "gateway", "dist", "main.js"), urls);
// The witness of the access log (in production another party's, e.g. the CNDP's): its own key and
// database, polling the gateway's checkpoints and cosigning those the log submits.
const witnessBase = `http://${host.includes(":") ? `[${host}]` : host}:${witnessPort}`;
run("witness", path.join(root, "witness", "dist", "main.js"));
const readinessUrls = [
  `${base}/readyz`,
  `${witnessBase}/readyz`,
  ...Object.values(urls).map((url) => url.replace(/\/graphql$/, "/readyz")),
];

/**
 * Starts the embedded database and resolves with its port once it accepts connections.
 * @returns {Promise<number>}
 */
function startEmbeddedDatabase() {
  const child = run(
    "database",
    path.join(root, "subgraphs", "runtime", "dist", "database", "embedded-main.js"),
    {},
    "pipe",
  );
  const { stdout } = child;
  if (!stdout) {
    throw new Error("the embedded database's output is not piped");
  }
  return new Promise((resolve) => {
    let output = "";
    stdout.on("data", (chunk) => {
      output += chunk;
      const listening = /embedded database listening on (\d+)/.exec(output);
      if (listening) {
        stdout.removeAllListeners("data");
        stdout.pipe(process.stdout);
        resolve(Number(listening[1]));
      }
    });
  });
}

for (;;) {
  if (stopping) {
    break;
  }
  try {
    // Every register too: one still seeding holds the embedded database for its transaction.
    const answers = await Promise.all(
      readinessUrls.map((url) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok)),
    );
    if (answers.every(Boolean)) {
      ready = true;
      break;
    }
  } catch {}
  if (Date.now() - started > READY_TIMEOUT_MS) {
    console.error(`Not ready after ${READY_TIMEOUT_MS / 1000} s; stopping`);
    stop(1);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

if (!stopping) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
  Social protection data exchange ready in ${seconds} s
  Console:  ${base}/
  GraphQL:  ${base}/graphql
  Witness:  ${witnessBase}/checkpoint (cosigns the access log's checkpoints; alarms at ${witnessBase}/alarms)
  Data:     ${env.DATA_DIR} (embedded PGlite unless *_DATABASE_URL is set)
  Events:   ${env.NATS_URL ? `NATS JetStream at ${env.NATS_URL}` : "outbox and feeds through the graph (NATS_URL unset)"}

  Get a development token and query:
    TOKEN=$(npm run -s token -- --agency ANR --role SYSTEM --purpose REGISTRATION)
    curl -s ${base}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"query":"{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }"}'

  Ctrl-C stops everything.
`);
}
