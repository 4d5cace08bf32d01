// `npm start`: runs every subgraph and the gateway as separate processes on this machine, on the
// embedded databases under DATA_DIR unless database URLs are set, then prints how to use it.
// Ctrl-C stops them all.
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

/**
 * Starts `script` as service `name`; its exit stops everything (see above for a refused configuration).
 * @param {string} name
 * @param {string} script
 * @param {Record<string, string>} [extraEnv]
 */
function run(name, script, extraEnv = {}) {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ["ignore", "inherit", "inherit"],
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
    }
  });
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
  for (const child of children.values()) {
    child.kill("SIGTERM");
  }
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
// The access log is served by the gateway itself.
for (const subgraph of subgraphs.filter((s) => !s.local)) {
  const port = Number(env[`${subgraph.envPrefix}_PORT`] ?? subgraph.port);
  urls[`${subgraph.envPrefix}_URL`] = env[`${subgraph.envPrefix}_URL`] ?? `http://${host}:${port}/graphql`;
  run(subgraph.name, path.join(root, subgraph.directory, "dist", "main.js"));
}
run("gateway", path.join(root, "gateway", "dist", "main.js"), urls);

for (;;) {
  if (stopping) {
    break;
  }
  try {
    const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
    if (response.ok) {
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
  GraphQL:  ${base}/graphql
  Data:     ${env.DATA_DIR} (embedded PGlite unless *_DATABASE_URL is set)

  Get a development token and query:
    TOKEN=$(npm run -s token -- --agency ANR --role SYSTEM --purpose REGISTRATION)
    curl -s ${base}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"query":"{ persons(first: 3) { edges { node { idcs firstName lastName address { regionCode } } } } }"}'

  Ctrl-C stops everything.
`);
}
