// Loaded with `node --import` into a service under test: appends every outbound connection attempt
// and every DNS lookup the process makes to the file named by OUTBOUND_RECORD_FILE, one JSON line
// each, so that a test can tell exactly where the process tried to go.
//
// Connections are caught at net.Socket.prototype.connect, which net.connect, tls.connect, the
// http(s) agents and undici (fetch) all go through, before any name is resolved; lookups at
// dns.lookup (which net uses to resolve a host name) and dns.promises.lookup.

import dns from "node:dns";
import { appendFileSync } from "node:fs";
import net from "node:net";

// biome-ignore lint/style/noProcessEnv: the recorder is configured by the test that starts the process
const file = process.env.OUTBOUND_RECORD_FILE;
if (!file) {
  throw new Error("outbound-recorder: OUTBOUND_RECORD_FILE is not set");
}

function record(entry) {
  appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
}

/** net.Socket#connect(options | path | port[, host], …) → where it is going. */
function destination(args) {
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  if (typeof first === "object" && first !== null) {
    return first.path !== undefined && first.path !== null
      ? { path: String(first.path) }
      : { host: first.host ?? "localhost", port: Number(first.port) };
  }
  if (typeof first === "string" && Number.isNaN(Number(first))) {
    return { path: first };
  }
  return { host: typeof second === "string" ? second : "localhost", port: Number(first) };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordedConnect(...args) {
  try {
    record({ kind: "connect", ...destination(args) });
  } catch {
    record({ kind: "connect", unreadable: true });
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function recordedLookup(hostname, ...rest) {
  record({ kind: "lookup", hostname: String(hostname) });
  return lookup.call(this, hostname, ...rest);
};
const promisedLookup = dns.promises.lookup;
dns.promises.lookup = function recordedPromisedLookup(hostname, ...rest) {
  record({ kind: "lookup", hostname: String(hostname) });
  return promisedLookup.call(this, hostname, ...rest);
};
