// How fast the access log appends with two replicas: two processes on one PostgreSQL log, each
// as a gateway replica writes it (the group-commit writer inserting pending entries into
// access_log_incoming, no shared lock, plus the replica's sequencer, only one of which works at a
// time), driven directly through the writer by CONCURRENCY concurrent "requests" each. HTTP is
// left out on purpose: on a 2-core machine the gateway's GraphQL work, not the log, limits what
// HTTP can drive (see `npm run bench:access-log` for the p50 a request pays). Measures entries
// acknowledged per second (an answer waits for exactly this), entries sequenced into the tree per
// second, and the sequencer's lag when the load stops; then checks the tree (every entry once,
// seq 1..n, the root recomputed from the leaves equals the signed checkpoint's).
//
//   npm run bench:access-log-append [-- --duration 10 --connections 200]
//
// A benchmark, not a test: it prints a table and writes it to tests/bench/results/.
import { spawn } from "node:child_process";
import path from "node:path";
import { CheckpointStore } from "@spx/gateway/access-log/checkpoints";
import { leafData } from "@spx/gateway/access-log/leaf";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { leafHash, noteKeyFromJwk, openCheckpoint, rootOf } from "@spx/runtime/tlog";
import { generateSigningKey } from "@spx/runtime/tokens";
import pg from "pg";
import { benchOptions, databaseUrl, machine, root, today, writeResults } from "./harness.mjs";

const { duration, connections } = benchOptions({ duration: 10, connections: [200], rounds: 1 });
const perReplica = Math.max(1, Math.round((connections[0] ?? 200) / 2));
const NAME = "spx_bench_access_log_append";
const url = databaseUrl(NAME);
const TARGET = 5000;
const ORIGIN = "spx.bench/access-log";

const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${NAME}`);
await admin.end();
const database = await openDatabase({ name: "access-log", url, dataDir: "" });
await applyMigrations(database.sql, ACCESS_LOG_MIGRATIONS);
const { privateJwk, key } = await generateSigningKey();

const WARMUP_MS = 2000;

/**
 * @param {string} label
 * @param {{ writers?: number, rate?: number }} load concurrent back-to-back appends, or appends started per second
 */
function replica(label, load) {
  const child = spawn(process.execPath, [path.join(root, "tests/src/testkit/access-log-appender.mjs")], {
    cwd: path.join(root, "tests"),
    env: {
      NODE_ENV: "test",
      ACCESS_LOG_DATABASE_URL: url,
      ACCESS_LOG_JWK: JSON.stringify(privateJwk),
      ACCESS_LOG_ORIGIN: ORIGIN,
      CONCURRENCY: String(load.writers ?? 0),
      RATE: String(load.rate ?? 0),
      LABEL: label,
      COUNT_ONLY: "1",
      WARMUP_MS: String(WARMUP_MS),
      // The gateway's defaults (contract §5): rounds every 200 ms, 10,000 entries at most each.
      SEQUENCE_INTERVAL_MS: "200",
      CHECKPOINT_INTERVAL_MS: "1000",
      BATCH_SIZE: "10000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const state = {
    label,
    child,
    count: 0,
    sequencing: false,
    /** @type {{ samples: number, p50: number | null, p99: number | null } | undefined} */
    latency: undefined,
    ready: /** @type {Promise<void>} */ (Promise.resolve()),
  };
  state.ready = new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const parsed = JSON.parse(line);
        if (typeof parsed.count === "number") {
          state.count = parsed.count;
        } else if (parsed.latency) {
          state.latency = parsed.latency;
        } else if (parsed.msg === "appender listening") {
          resolve();
        } else if (typeof parsed.msg === "string" && parsed.msg.startsWith("access log sequencer:")) {
          state.sequencing = parsed.msg.includes("this process sequences");
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`replica ${label} exited (${code})`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { state, exited };
}

const sequenced = async () =>
  Number((await database.sql.query("SELECT coalesce(max(seq), 0) AS n FROM access_log_leaf"))[0]?.n ?? 0);

/**
 * Two replicas under `load` each, measured for `duration` s after the warm-up.
 * @param {{ writers?: number, rate?: number }} load
 */
async function phase(load) {
  const replicas = [replica("a", load), replica("b", load)];
  await Promise.all(replicas.map((r) => r.state.ready));
  // Warm-up: connections opened, JIT warm (the appenders measure latency only after it too).
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const ackedBefore = replicas.reduce((sum, r) => sum + r.state.count, 0);
  const sequencedBefore = await sequenced();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, duration * 1000));
  const seconds = (performance.now() - started) / 1000;
  const ackedAfter = replicas.reduce((sum, r) => sum + r.state.count, 0);
  const sequencedAfter = await sequenced();
  const lagAtStop = await new Sequencer({
    sql: database.sql,
    signer: /** @type {never} */ (undefined),
    origin: ORIGIN,
    intervalMs: 1000,
    checkpointIntervalMs: 1000,
    logger: createLogger("bench", "silent"),
  }).lag();
  for (const r of replicas) {
    r.state.child.kill("SIGTERM");
  }
  await Promise.all(replicas.map((r) => r.exited));
  // The median of the two replicas' medians: each replica's requests wait the same way.
  const p50s = replicas.map((r) => r.state.latency?.p50 ?? Number.NaN);
  const p99s = replicas.map((r) => r.state.latency?.p99 ?? Number.NaN);
  return {
    load: load.rate ? `${load.rate * 2} started/s` : `${(load.writers ?? 0) * 2} back to back`,
    appendedPerSecond: (ackedAfter - ackedBefore) / seconds,
    sequencedPerSecond: (sequencedAfter - sequencedBefore) / seconds,
    pendingAtStop: lagAtStop.pending,
    p50Ms: Math.max(...p50s),
    p99Ms: Math.max(...p99s),
    replicas: replicas.map((r) => ({ label: r.state.label, sequencing: r.state.sequencing, latency: r.state.latency })),
  };
}

// Saturation (how many entries two replicas append at most: closed loops, no think time), then
// requests arriving at a steady 1,000/s across the pair (ten times what the full GraphQL path
// answers on this machine), where what matters is what its append adds to each request.
const BUSY_RATE = 500;
// The steady load first: after saturation, the sequencer would still be draining its backlog.
const busy = await phase({ rate: BUSY_RATE });
const saturated = await phase({ writers: perReplica });

// Whatever is still pending is sequenced by the next round; then the tree is checked whole.
const { noteSigner } = await import("@spx/runtime/tlog");
const flushStarted = performance.now();
await new Sequencer({
  sql: database.sql,
  signer: noteSigner(ORIGIN, privateJwk),
  origin: ORIGIN,
  intervalMs: 1000,
  checkpointIntervalMs: 1000,
  logger: createLogger("bench", "silent"),
}).flush();
const drainSeconds = (performance.now() - flushStarted) / 1000;
const rows = await database.sql.query("SELECT a.seq, a.id FROM access_log a ORDER BY a.seq");
const consecutive = rows.every((row, i) => Number(row.seq) === i + 1);
const store = new AccessLogStore(database.sql);
const leaves = [];
for (let i = 0; i < rows.length; i += 5000) {
  const chunk = await database.sql.query(
    `SELECT a.id FROM access_log a WHERE a.seq > $1 AND a.seq <= $2 ORDER BY a.seq`,
    [i, i + 5000],
  );
  for (const { id } of chunk) {
    const entry = await store.entryById(String(id));
    if (!entry) {
      throw new Error(`entry ${id} vanished`);
    }
    leaves.push(leafHash(leafData(entry, entry.salt)));
  }
}
const latest = await new CheckpointStore(database.sql).latest();
const opened = openCheckpoint(latest?.note ?? "", noteKeyFromJwk(ORIGIN, key.publicJwk));
const rootMatches = Buffer.from(opened.checkpoint.root).equals(Buffer.from(rootOf(leaves)));
const appendedPerSecond = saturated.appendedPerSecond;
await database.close();
const LATENCY_TARGET_MS = 2;
/** @param {Awaited<ReturnType<typeof phase>>} p */
const row = (p) =>
  `| 2 | ${p.load} | ${p.appendedPerSecond.toFixed(0)} | ${p.sequencedPerSecond.toFixed(0)} | ${p.pendingAtStop} | ${p.p50Ms.toFixed(2)} | ${p.p99Ms.toFixed(2)} |`;

const table = [
  `Access-log appends, two replica processes on one PostgreSQL log through the group-commit writer (no HTTP): a steady ${BUSY_RATE} appends started per second in each, then ${perReplica} concurrent back-to-back writers in each; sequencer rounds every 200 ms, batches of up to 10,000; ${duration} s measured after a 2 s warm-up; ${machine()}; ${today()}`,
  "",
  "| Replicas | Load | Appended (acknowledged) entries/s | Sequenced entries/s | Pending at stop | Append wait p50 (ms) | p99 (ms) |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  row(busy),
  row(saturated),
  "",
  `Drain of what was pending after the last phase: ${drainSeconds.toFixed(2)} s.`,
  "",
  `Tree after the run: ${rows.length} entries, seq 1..n ${consecutive ? "consecutive" : "NOT consecutive"}, checkpoint of size ${opened.checkpoint.size} whose root ${rootMatches ? "equals" : "DIFFERS from"} the root recomputed from the leaves.`,
  "",
  `Target: at least ${TARGET} entries/s appended with two replicas: ${appendedPerSecond >= TARGET ? "met" : "NOT met"} (${appendedPerSecond.toFixed(0)}/s).`,
  `Target: an append adds under ${LATENCY_TARGET_MS} ms to a request's p50 (two replicas, ${busy.load}): ${busy.p50Ms < LATENCY_TARGET_MS ? "met" : "NOT met"} (${busy.p50Ms.toFixed(2)} ms; at saturation ${saturated.p50Ms.toFixed(2)} ms).`,
].join("\n");
writeResults("access-log-append", "Access log appends with two replicas", table, {
  duration,
  saturated,
  busy,
  drainSeconds,
  entries: rows.length,
  consecutive,
  rootMatches,
  targetPerSecond: TARGET,
});
if (!consecutive || !rootMatches || opened.checkpoint.size !== rows.length) {
  process.exitCode = 1;
}
