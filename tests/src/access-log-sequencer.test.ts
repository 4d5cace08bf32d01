import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { CheckpointStore } from "@spx/gateway/access-log/checkpoints";
import { leafData } from "@spx/gateway/access-log/leaf";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { AccessLogWriter } from "@spx/gateway/access-log/writer";
import type { SqlExecutor } from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { leafHash, noteKeyFromJwk, noteSigner, openCheckpoint, rootFromSource, rootOf } from "@spx/runtime/tlog";
import { generateSigningKey } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { accessEntry } from "./testkit/fixtures.js";

const ORIGIN = "spx.test/access-log";
const APPENDER = fileURLToPath(new URL("./testkit/access-log-appender.mjs", import.meta.url));
type Jwk = Parameters<typeof noteSigner>[1];

interface Appender {
  label: string;
  child: ChildProcess;
  acked: Set<string>;
  /** Whether its sequencer said it holds the lock (the last thing it said about it). */
  sequencing(): boolean;
  exited: Promise<void>;
}

function startAppender(label: string, url: string, jwk: Jwk): Promise<Appender> {
  const child = spawn(process.execPath, [APPENDER], {
    env: {
      NODE_ENV: "test",
      ACCESS_LOG_DATABASE_URL: url,
      ACCESS_LOG_JWK: JSON.stringify(jwk),
      ACCESS_LOG_ORIGIN: ORIGIN,
      CONCURRENCY: "40",
      LABEL: label,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acked = new Set<string>();
  let sequencing = false;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const parsed = JSON.parse(line) as { acked?: string[]; msg?: string };
        for (const id of parsed.acked ?? []) {
          acked.add(id);
        }
        if (parsed.msg === "appender listening") {
          resolve({ label, child, acked, sequencing: () => sequencing, exited });
        } else if (parsed.msg?.startsWith("access log sequencer:")) {
          sequencing = parsed.msg.includes("this process sequences");
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`appender ${label} exited (${code}): ${stderr}`)));
  });
}

const until = async (condition: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Every appended id exactly once, seq 1..n, and the tree and checkpoint roots recomputed from the leaves. */
async function expectWholeLog(sql: SqlExecutor, acknowledged: Set<string>, logKey: ReturnType<typeof noteKeyFromJwk>) {
  const rows = await sql.query<{ seq: string; id: string }>("SELECT seq, id FROM access_log ORDER BY seq");
  expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((_row, i) => i + 1));
  const ids = rows.map((row) => row.id);
  expect(new Set(ids).size).toBe(ids.length);
  const stored = new Set(ids);
  const lost = [...acknowledged].filter((id) => !stored.has(id));
  expect(lost).toEqual([]);
  expect(await sql.query("SELECT id FROM access_log_incoming")).toEqual([]);
  const store = new AccessLogStore(sql);
  const leaves: Uint8Array[] = [];
  for (const id of ids) {
    const entry = await store.entryById(id);
    leaves.push(leafHash(leafData(entry as NonNullable<typeof entry>, entry?.salt ?? new Uint8Array())));
  }
  const tree = new AccessLogTree(sql);
  expect(await tree.size()).toBe(ids.length);
  const root = rootOf(leaves);
  expect(Buffer.from(await rootFromSource(ids.length, tree))).toEqual(Buffer.from(root));
  const latest = await new CheckpointStore(sql).latest();
  const opened = openCheckpoint(latest?.note ?? "", logKey);
  expect(opened.checkpoint.size).toBe(ids.length);
  expect(Buffer.from(opened.checkpoint.root)).toEqual(Buffer.from(root));
}

describe("sequencer failover under load", () => {
  let database: TestDatabase;
  let jwk: Jwk;
  let logKey: ReturnType<typeof noteKeyFromJwk>;

  beforeEach(async () => {
    database = await createTestDatabase(`log_failover_${randomUUID().slice(0, 6)}`, ACCESS_LOG_MIGRATIONS);
    const { privateJwk, key } = await generateSigningKey();
    jwk = privateJwk as Jwk;
    logKey = noteKeyFromJwk(ORIGIN, key.publicJwk as Jwk);
  });
  afterEach(() => database?.drop());

  it("loses and duplicates nothing when the process holding the lock is killed (-9) mid-way", async () => {
    const url = database.url;
    if (!url) {
      return; // two processes on one log need PostgreSQL; the in-process case below covers PGlite
    }
    const appenders = await Promise.all([startAppender("a", url, jwk), startAppender("b", url, jwk)]);
    try {
      await until(() => appenders.some((a) => a.sequencing()), "a sequencer to take the lock");
      const holder = appenders.find((a) => a.sequencing()) as Appender;
      const other = appenders.find((a) => a !== holder) as Appender;
      // Under load from both, with entries sequenced by the holder.
      await until(() => holder.acked.size > 2000 && other.acked.size > 2000, "appends from both");
      const [{ n }] = (await database.database.sql.query<{ n: string }>("SELECT count(*) AS n FROM access_log")) as [
        { n: string },
      ];
      expect(Number(n)).toBeGreaterThan(0);
      holder.child.kill("SIGKILL");
      await holder.exited;
      const before = other.acked.size;
      await until(() => other.sequencing(), "the other process to take over");
      await until(() => other.acked.size > before + 2000, "appends after the take-over");
      other.child.kill("SIGTERM");
      await other.exited;
    } finally {
      for (const appender of appenders) {
        appender.child.kill("SIGKILL");
      }
    }
    // What is left pending is sequenced by whoever comes next.
    const survivor = new Sequencer({
      sql: database.database.sql,
      signer: noteSigner(ORIGIN, jwk),
      origin: ORIGIN,
      intervalMs: 1000,
      checkpointIntervalMs: 1000,
      logger: createLogger("test", "silent"),
    });
    await survivor.flush();
    const acknowledged = new Set([...(appenders[0]?.acked ?? []), ...(appenders[1]?.acked ?? [])]);
    expect(acknowledged.size).toBeGreaterThan(6000);
    await expectWholeLog(database.database.sql, acknowledged, logKey);
  }, 120_000);

  it("two sequencers on one database (PGlite's single session too) neither deadlock nor number an entry twice", async () => {
    const { sql } = database.database;
    const make = () =>
      new Sequencer({
        sql,
        signer: noteSigner(ORIGIN, jwk),
        origin: ORIGIN,
        intervalMs: 10,
        checkpointIntervalMs: 50,
        batchSize: 64,
        logger: createLogger("test", "silent"),
      });
    const [first, second] = [make(), make()];
    first.start();
    second.start();
    const writer = new AccessLogWriter(new AccessLogStore(sql));
    const acknowledged = new Set<string>();
    const append = async (count: number) => {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const entry = accessEntry();
          await writer.record(entry);
          acknowledged.add(entry.id);
        }),
      );
    };
    await append(400);
    await first.stop();
    await append(400);
    await second.flush();
    await second.stop();
    await expectWholeLog(sql, acknowledged, logKey);
  }, 60_000);
});
