/*
 * One gateway's access-log side as its own process, for the sequencer failover test: it appends
 * entries through the writer (group commit into access_log_incoming) as fast as CONCURRENCY
 * requests would, runs a sequencer on the same log, and prints, as JSON lines, the ids whose
 * append was acknowledged (what an answer waits for) and its sequencer's log lines. Killed with
 * SIGKILL by the test; SIGTERM stops it cleanly.
 */
import { randomUUID } from "node:crypto";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogWriter } from "@spx/gateway/access-log/writer";
import { openDatabase } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { noteSigner } from "@spx/runtime/tlog";

// biome-ignore lint/style/noProcessEnv: a test fixture's settings
const { ACCESS_LOG_DATABASE_URL, ACCESS_LOG_JWK, ACCESS_LOG_ORIGIN, CONCURRENCY, LABEL, COUNT_ONLY } = process.env;
// biome-ignore lint/style/noProcessEnv: a test fixture's settings
const settings = process.env;
const { SEQUENCE_INTERVAL_MS = "20", CHECKPOINT_INTERVAL_MS = "100", BATCH_SIZE = "500", WARMUP_MS = "0" } = settings;
const database = await openDatabase({ name: "access-log", url: ACCESS_LOG_DATABASE_URL, dataDir: "", poolSize: 8 });
const logger = createLogger(`appender-${LABEL}`, "info");
const sequencer = new Sequencer({
  sql: database.sql,
  signer: noteSigner(ACCESS_LOG_ORIGIN, JSON.parse(ACCESS_LOG_JWK)),
  origin: ACCESS_LOG_ORIGIN,
  intervalMs: Number(SEQUENCE_INTERVAL_MS),
  checkpointIntervalMs: Number(CHECKPOINT_INTERVAL_MS),
  batchSize: Number(BATCH_SIZE),
  logger,
});
sequencer.start();
const writer = new AccessLogWriter(new AccessLogStore(database.sql));
let acked = [];
let count = 0;
// COUNT_ONLY (the benchmark): how many, not which.
const flushAcked = () => {
  if (COUNT_ONLY === "1") {
    process.stdout.write(`${JSON.stringify({ count })}\n`);
  } else if (acked.length > 0) {
    process.stdout.write(`${JSON.stringify({ acked })}\n`);
    acked = [];
  }
};
const printer = setInterval(flushAcked, 20);
let running = true;
// How long each append kept its "request" waiting (what an answer waits for), after the warm-up.
const latencies = [];
const measureFrom = performance.now() + Number(WARMUP_MS);
/** @param {string} id */
const sample = (id) => ({
  id,
  at: new Date(),
  requestId: `failover-${id}`,
  agency: "CNSS",
  role: "SYSTEM",
  subject: `cnss:${LABEL}`,
  callerIdcs: null,
  purpose: "AMO_ENROLMENT",
  operationName: null,
  documentHash: "0".repeat(64),
  documentId: null,
  served: ["Person.idcs"],
  refused: [],
  kinds: ["identity"],
  persons: ["100000000001"],
});
const worker = async () => {
  while (running) {
    const id = randomUUID();
    const started = performance.now();
    await writer.record(sample(id));
    if (started >= measureFrom) {
      latencies.push(performance.now() - started);
    }
    count += 1;
    if (COUNT_ONLY !== "1") {
      acked.push(id);
    }
  }
};
// RATE (entries/s) instead of CONCURRENCY: an open loop, one append started every 1/RATE s whatever
// the others are doing, as requests arrive at a gateway; what each waits is its latency.
const rate = Number(settings.RATE ?? 0);
const inFlight = new Set();
const paced = async () => {
  const period = 1000 / rate;
  let next = performance.now();
  while (running) {
    next += period;
    const started = performance.now();
    const done = writer
      .record(sample(randomUUID()))
      .then(() => {
        if (started >= measureFrom) {
          latencies.push(performance.now() - started);
        }
        count += 1;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
    const wait = next - performance.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await Promise.allSettled([...inFlight]);
};
const workers = rate > 0 ? [paced()] : Array.from({ length: Number(CONCURRENCY ?? 20) }, worker);
process.stdout.write(`${JSON.stringify({ msg: "appender listening", url: "none" })}\n`);
process.once("SIGTERM", async () => {
  running = false;
  await Promise.allSettled(workers);
  flushAcked();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? null;
  process.stdout.write(`${JSON.stringify({ latency: { samples: latencies.length, p50: at(0.5), p99: at(0.99) } })}\n`);
  clearInterval(printer);
  await sequencer.stop();
  await database.close();
  process.exit(0);
});
