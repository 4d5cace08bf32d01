// Other gateways over the same subgraphs, for side-by-side benchmarks: a plain @apollo/gateway on
// Apollo Server, Hive Gateway, and Hive Gateway with its Rust query planner, each at its default
// settings. None of them can mint this system's subgraph tokens, so the subgraphs must run with
// SUBGRAPH_UNAUTHENTICATED=bench (tokenless requests are served as a benchmark caller allowed
// everything). Not a benchmark by itself: the runner starts what preparePeers describes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { readSupergraphPolicy } from "@spx/gateway/supergraph-policy";
import { parse } from "graphql";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** @param {string} file */
const schemaFile = (file) => path.join(root, "schema", file);

/** The peers preparePeers knows, in the order it returns them. */
export const PEERS = ["apollo-gateway", "hive-gateway", "hive-gateway-rust"];

/** @typedef {{ name: string, url?: string, local?: boolean }} Service a subgraph of schema/subgraphs.json */

/**
 * The supergraph of `services`, each from its committed schema/<name>.graphql.
 * @param {Service[]} services
 */
function compose(services) {
  const result = composeServices(
    services.map(({ name, url }) => ({
      name,
      url,
      typeDefs: parse(readFileSync(schemaFile(`${name}.graphql`), "utf8")),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed: ${result.errors.map((error) => error.message).join("; ")}`);
  }
  return result.supergraphSdl;
}

/**
 * The committed supergraph without the access-log subgraph, which only our gateway serves (in
 * process), and with `subgraphUrls` in its join__graph URLs. The access log's join directives run
 * through types the registers share (DateTime, Query), so it is left out by composing the
 * committed subgraph SDL again rather than by editing text; composing all of it must give back
 * schema/supergraph.graphql exactly, or the peers would serve another graph than ours.
 */
/** @param {Record<string, string>} subgraphUrls */
function peerSupergraph(subgraphUrls) {
  /** @type {Service[]} */
  const subgraphs = JSON.parse(readFileSync(schemaFile("subgraphs.json"), "utf8"));
  if (compose(subgraphs) !== readFileSync(schemaFile("supergraph.graphql"), "utf8")) {
    throw new Error("schema/*.graphql do not compose into schema/supergraph.graphql: run `npm run compose`");
  }
  const remote = subgraphs.filter((subgraph) => !subgraph.local);
  const missing = remote.map((s) => s.name).filter((name) => !subgraphUrls[name]);
  if (missing.length > 0) {
    throw new Error(`subgraphUrls lacks ${missing.join(", ")}`);
  }
  return compose(remote.map(({ name }) => ({ name, url: subgraphUrls[name] })));
}

/**
 * An installed package's command-line script, as its package.json `bin` names it.
 * @param {string} name
 * @param {string} command
 */
function packageBin(name, command) {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  let json = readPackage(dir, name);
  while (!json) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`${name}: package.json not found`);
    }
    dir = parent;
    json = readPackage(dir, name);
  }
  const script = typeof json.bin === "string" ? json.bin : json.bin?.[command];
  if (!script) {
    throw new Error(`${name}: no command ${command} in its package.json`);
  }
  return path.join(dir, script);
}

/**
 * The package.json in `dir` if it is package `name`'s.
 * @param {string} dir
 * @param {string} name
 * @returns {{ name: string, bin?: string | Record<string, string> } | undefined}
 */
function readPackage(dir, name) {
  try {
    const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    return json.name === name ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes into `dir` the supergraphs the peers serve and returns how to start each peer named in
 * `ports` ({ "apollo-gateway": 4701, "hive-gateway": 4702, "hive-gateway-rust": 4703 }; peers
 * without a port are left out): `{ name, command, args, env, url, readyUrl }`, where `env` holds
 * the variables to add to the runner's environment, `url` is the GraphQL endpoint (POST) and
 * `readyUrl` answers a plain GET with 2xx once the peer serves. All listen on 127.0.0.1.
 * `subgraphUrls` maps each subgraph name of schema/subgraphs.json to the URL of its /graphql.
 * @param {import("./harness.mjs").PeerOptions} options
 * @returns {Promise<import("./harness.mjs").PeerSpec[]>}
 */
export async function preparePeers({ dir, subgraphUrls, ports }) {
  const unknown = Object.keys(ports ?? {}).filter((name) => !PEERS.includes(name));
  if (unknown.length > 0 || Object.keys(ports ?? {}).length === 0) {
    throw new Error(
      `ports must name some of ${PEERS.join(", ")}${unknown.length ? `, not ${unknown.join(", ")}` : ""}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const supergraph = peerSupergraph(subgraphUrls);
  const full = path.join(dir, "supergraph.graphql");
  writeFileSync(full, supergraph);
  // @apollo/gateway refuses the SECURITY features: it gets the copy our own gateway hands it.
  const executable = path.join(dir, "supergraph-executable.graphql");
  writeFileSync(executable, readSupergraphPolicy(supergraph).executableSdl);

  const hive = packageBin("@graphql-hive/gateway", "hive-gateway");
  // Hive Gateway loads the SECURITY features and, unconfigured, does not enforce them.
  /** @param {number} port */
  const hiveArgs = (port) => [hive, "supergraph", full, "--port", String(port), "--host", "127.0.0.1"];
  /** @type {Record<string, (port: number) => Omit<import("./harness.mjs").PeerSpec, "name">>} */
  const describe = {
    "apollo-gateway": (port) => ({
      command: process.execPath,
      args: [path.join(root, "tests/bench/peers/apollo-gateway.mjs")],
      env: { PORT: String(port), HOST: "127.0.0.1", SUPERGRAPH_PATH: executable },
      url: `http://127.0.0.1:${port}/`,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    }),
    "hive-gateway": (port) => ({
      command: process.execPath,
      args: hiveArgs(port),
      env: {},
      url: `http://127.0.0.1:${port}/graphql`,
      readyUrl: `http://127.0.0.1:${port}/readiness`,
    }),
    "hive-gateway-rust": (port) => ({
      command: process.execPath,
      args: [...hiveArgs(port), "--config-path", path.join(root, "tests/bench/peers/hive-gateway-rust.config.mjs")],
      env: {},
      url: `http://127.0.0.1:${port}/graphql`,
      readyUrl: `http://127.0.0.1:${port}/readiness`,
    }),
  };
  return PEERS.flatMap((name) => {
    const port = ports[name];
    const spec = describe[name];
    return port === undefined || !spec ? [] : [{ name, ...spec(port) }];
  });
}
