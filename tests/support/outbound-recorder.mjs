// Loaded with `node --import` into a service under test: appends every outbound connection attempt
// and every DNS lookup the process makes to the file named by OUTBOUND_RECORD_FILE, one JSON line
// each, so that a test can tell exactly where the process tried to go.
//
// Connections are caught at net.Socket.prototype.connect, which net.connect, tls.connect, the
// http(s) agents and undici (fetch) all go through, before any name is resolved; UDP at
// dgram.Socket.prototype.send and connect; lookups at dns.lookup (which net uses to resolve a host
// name) and at every dns.resolve* (c-ares, which asks the name servers itself), callback and
// promise forms alike.

import dgram from "node:dgram";
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

/** Replaces `target[name]` by a function that records the host name it is given first. */
function recordNames(target, name) {
  const original = target[name];
  if (typeof original !== "function") {
    return;
  }
  target[name] = function recordedResolution(hostname, ...rest) {
    record({ kind: "lookup", hostname: String(hostname) });
    return original.call(this, hostname, ...rest);
  };
}

const RESOLVERS = ["lookup", "resolve", "resolve4", "resolve6", "resolveAny", "resolveCname", "resolveMx"];
for (const target of [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
  for (const name of [...RESOLVERS, "resolveNs", "resolveSrv", "resolveTxt", "resolveNaptr", "resolvePtr"]) {
    if (target !== dns.Resolver.prototype || name !== "lookup") {
      recordNames(target, name);
    }
  }
}

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function recordedSend(message, ...rest) {
  // send(msg[, offset, length][, port][, address][, callback]): the port and address follow the numbers.
  const numbers = rest.filter((value) => typeof value === "number");
  const address = rest.find((value) => typeof value === "string");
  const port = numbers.length >= 3 ? numbers[2] : numbers.length === 1 ? numbers[0] : undefined;
  if (port !== undefined) {
    record({ kind: "connect", host: address ?? "localhost", port });
  }
  return send.call(this, message, ...rest);
};
const dgramConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function recordedDgramConnect(port, address, ...rest) {
  record({ kind: "connect", host: typeof address === "string" ? address : "localhost", port: Number(port) });
  return dgramConnect.call(this, port, address, ...rest);
};
