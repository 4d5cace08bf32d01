import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CheckpointStore } from "@spx/gateway/access-log/checkpoints";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { describeCheck, verifyAccessLog } from "@spx/gateway/access-log/verify-log";
import {
  applyMigrations,
  type Database,
  type EmbeddedServer,
  openDatabase,
  type SqlExecutor,
  startEmbeddedServer,
} from "@spx/runtime/database";
import { createLogger } from "@spx/runtime/logging";
import { checkpointText, leafHash, rootOf, signNote } from "@spx/runtime/tlog";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { TEST_ORIGIN, TestWitnessedLog, tempFile } from "./testkit/access-log-keys.js";
import { asSuperuser, recomputedLeaves, rewriteHistory } from "./testkit/access-log-tamper.js";
import { accessEntry } from "./testkit/fixtures.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AUDIT_VERIFY = path.join(ROOT, "gateway/dist/cli/audit-verify.js");
/** The CLI's own DATA_DIR (it keeps nothing there when given the keys and --offline). */
const dataDirOfCli = mkdtempSync(path.join(tmpdir(), "spx-audit-verify-"));

/** 40 entries in checkpoints of 5, each cosigned by the test witness. */
const ENTRIES = 40;
const PER_CHECKPOINT = 5;

interface Log {
  sql: SqlExecutor;
  url: string | undefined;
  checkpoints: CheckpointStore;
  witnessed: TestWitnessedLog;
  /** The witness's latest cosigned checkpoint, kept apart from the database. */
  witnessNote: string;
}

async function fillLog(sql: SqlExecutor, url: string | undefined): Promise<Log> {
  const witnessed = new TestWitnessedLog();
  const store = new AccessLogStore(sql);
  const checkpoints = new CheckpointStore(sql);
  const sequencer = new Sequencer({
    sql,
    signer: witnessed.log,
    origin: TEST_ORIGIN,
    intervalMs: 60_000,
    checkpointIntervalMs: 60_000,
    logger: createLogger("test", "silent"),
  });
  for (let n = 0; n < ENTRIES; n += PER_CHECKPOINT) {
    await store.append(
      Array.from({ length: PER_CHECKPOINT }, (_, i) =>
        accessEntry({
          requestId: `tamper-${n + i + 1}`,
          at: new Date(Date.UTC(2026, 11, 2, 10, 0, n + i)),
          agency: "CNSS",
          subject: `cnss:agent-${n + i}`,
          purpose: "AMO_ENROLMENT",
          persons: [`10000000${String(n + i).padStart(2, "0")}`],
        }),
      ),
    );
    const checkpoint = await sequencer.flush();
    if (!checkpoint) {
      throw new Error("the sequencer signed no checkpoint");
    }
    await witnessed.cosign(checkpoints, checkpoint);
  }
  return { sql, url, checkpoints, witnessed, witnessNote: witnessed.latest ?? "" };
}

/** `npm run audit:verify` on PostgreSQL (a process, as an auditor runs it); the same check in process on PGlite. */
async function auditVerify(log: Log, checkpoints: string[] = []): Promise<{ code: number; stdout: string }> {
  const jwks = log.witnessed.jwksFile();
  const files = checkpoints.map((note, i) => tempFile(`checkpoint-${i}.txt`, note));
  if (!log.url) {
    const check = await verifyAccessLog({
      sql: log.sql,
      keys: { log: log.witnessed.keys().log, witnesses: log.witnessed.keys().witnesses.map((w) => w.key) },
      outside: files.map((file, i) => ({ label: file, note: checkpoints[i] ?? "" })),
    });
    const report = describeCheck(check, 0);
    return { code: report.exitCode, stdout: report.text };
  }
  const args = [AUDIT_VERIFY, "--keys", jwks, "--offline", ...files.flatMap((file) => ["--checkpoint", file])];
  return run(process.execPath, args, {
    env: { ACCESS_LOG_DATABASE_URL: log.url, LOG_LEVEL: "silent", DATA_DIR: dataDirOfCli },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout + error.stderr,
    }),
  );
}

describe("audit:verify against a superuser who bypasses the triggers", () => {
  let database: TestDatabase;
  let log: Log;
  beforeEach(async () => {
    database = await createTestDatabase("tamper", ACCESS_LOG_MIGRATIONS);
    log = await fillLog(database.database.sql, database.url);
  }, 60_000);
  afterEach(async () => {
    await database?.drop();
  });

  it("passes on the intact log, compared with the witness's latest checkpoint", async () => {
    const result = await auditVerify(log, [log.witnessNote]);
    expect(result.stdout).toMatch(
      /access log intact: 40 entries .*latest witnessed checkpoint: size 40, cosigned by witness\.test\.localhost/,
    );
    expect(result.code).toBe(0);
  });

  it("names an entry edited in place", async () => {
    await asSuperuser(log.sql, (s) =>
      s.query("UPDATE access_log SET purpose = 'STATISTICS' WHERE seq = 17").then(() => {}),
    );
    const result = await auditVerify(log);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN at entry #17");
    expect(result.stdout).toMatch(/changed: entry #17 .*was changed after it was written/);
  });

  it("catches an edit whose leaf, tree and checkpoints were recomputed and re-signed with the log key", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("UPDATE access_log SET agency = 'ANSS' WHERE seq = 17");
      await rewriteHistory(s, log.witnessed.log, TEST_ORIGIN, 17);
    });
    // The log's database alone now agrees with itself: the witness's copy is what tells.
    const alone = await auditVerify(log);
    expect(alone.stdout).toContain("latest witnessed checkpoint: size 15");
    const result = await auditVerify(log, [log.witnessNote]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/fork: forked log: two checkpoints of size 40/);
    expect(result.stdout).toMatch(
      /no longer have the root of the checkpoint of size 40 cosigned by witness\.test\.localhost.*entries #16 to #40/,
    );
  });

  it("catches re-signed checkpoints whose witness cosignatures were left in place", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("UPDATE access_log SET agency = 'ANSS' WHERE seq = 17");
      await rewriteHistory(s, log.witnessed.log, TEST_ORIGIN, 17);
    });
    // The cosignature the witness gave for the original checkpoint of size 40, put back.
    const original = log.witnessNote.split("\n").filter((line) => line.startsWith(`— ${"witness.test.localhost"} `));
    await asSuperuser(log.sql, async (s) => {
      await s.query(
        "INSERT INTO access_log_cosignature (size, witness, line, cosigned_at) VALUES (40, 'witness.test.localhost', $1, now())",
        [original[0]],
      );
    });
    const result = await auditVerify(log);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /cosignature: the cosignature of witness\.test\.localhost over the stored checkpoint of size 40 does not verify/,
    );
  });

  it("catches a truncated tail, even with its checkpoints and cosignatures deleted too", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log_cosignature WHERE size > 35");
      await s.query("DELETE FROM access_log_checkpoint WHERE size > 35");
      await s.query('DELETE FROM access_log_tree WHERE ("index" + 1) * (1::bigint << level) > 35');
      await s.query("DELETE FROM access_log_leaf WHERE seq > 35");
      await s.query("DELETE FROM access_log WHERE seq > 35");
    });
    const result = await auditVerify(log, [log.witnessNote]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /truncated: the log has 35 leaves but the checkpoint of size 40 cosigned by witness\.test\.localhost .*entries #36 to #40 are missing/,
    );
  });

  it("catches a truncated tail from the stored tree alone", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log WHERE seq > 37");
    });
    const result = await auditVerify(log);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/truncated: entries #38 to #40 are missing: the stored tree has 40 leaves/);
  });

  it("names a deleted middle entry", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("DELETE FROM access_log_leaf WHERE seq = 12");
      await s.query("DELETE FROM access_log WHERE seq = 12");
    });
    const result = await auditVerify(log, [log.witnessNote]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN at entry #12");
    expect(result.stdout).toMatch(/missing: entry #12 is missing/);
  });

  it("names a reordered pair", async () => {
    await asSuperuser(log.sql, async (s) => {
      await s.query("UPDATE access_log SET seq = -21 WHERE seq = 21");
      await s.query("UPDATE access_log SET seq = 21 WHERE seq = 22");
      await s.query("UPDATE access_log SET seq = 22 WHERE seq = -21");
    });
    const result = await auditVerify(log, [log.witnessNote]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/reordered: entries #21 and #22 were swapped/);
  });

  it("names a reordered pair whose leaves were moved with them", async () => {
    await asSuperuser(log.sql, async (s) => {
      for (const table of ["access_log", "access_log_leaf"]) {
        await s.query(`UPDATE ${table} SET seq = -21 WHERE seq = 21`);
        await s.query(`UPDATE ${table} SET seq = 21 WHERE seq = 22`);
        await s.query(`UPDATE ${table} SET seq = 22 WHERE seq = -21`);
      }
    });
    const result = await auditVerify(log);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/reordered: entries #21 and #22 were swapped/);
  });

  it("catches a fork: a checkpoint of the same size served to a party and another cosigned by the witness", async () => {
    // The operator signs a second tree of size 40 (one entry dropped and another appended) for one party.
    const leaves = await recomputedLeaves(log.sql);
    const forged = [...leaves.slice(0, 39), leafHash(new TextEncoder().encode("another entry"))];
    const served = signNote(checkpointText({ origin: TEST_ORIGIN, size: 40, root: rootOf(forged) }), log.witnessed.log);
    const result = await auditVerify(log, [served]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /fork: forked log: two checkpoints of size 40 signed by the log key with different roots, one from the log's database \(cosigned by witness\.test\.localhost\), one from .*checkpoint-0\.txt/,
    );
  });
});

describe("audit:verify on the embedded default while it runs", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "spx-embedded-tamper-"));
  let server: EmbeddedServer;
  let accessLog: Database;
  beforeAll(async () => {
    server = await startEmbeddedServer({ dataDir, port: 0 });
    accessLog = await openDatabase({ name: "access-log", url: server.urlOf("access-log"), dataDir });
    await applyMigrations(accessLog.sql, ACCESS_LOG_MIGRATIONS);
  }, 60_000);
  afterAll(async () => {
    await accessLog?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds the running server with no URL given and names an entry a superuser edited", async () => {
    const log = await fillLog(accessLog.sql, undefined);
    // biome-ignore lint/style/noProcessEnv: the command runs as a user runs it, with their environment
    const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: "" };
    delete env.ACCESS_LOG_DATABASE_URL;
    const verify = () =>
      run(process.execPath, [AUDIT_VERIFY, "--keys", log.witnessed.jwksFile(), "--offline"], { env }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const intact = await verify();
    expect(intact.stdout).toMatch(/access log intact: 40 entries/);
    expect(intact.code).toBe(0);
    await asSuperuser(log.sql, (s) => s.query("UPDATE access_log SET role = 'AUDITOR' WHERE seq = 3").then(() => {}));
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/changed: entry #3 .*was changed after it was written/);
  }, 60_000);
});
