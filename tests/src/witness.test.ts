import { generateKeyPairSync } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { CheckpointStore, cosignedNote } from "@spx/gateway/access-log/checkpoints";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { followCheckpoints, type WitnessClient } from "@spx/gateway/access-log/witness-client";
import { createLogger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import { noteKeyFromJwk, noteSigner, openCheckpoint, verifierKeyString } from "@spx/runtime/tlog";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { createWitnessService } from "@spx/witness/server";
import { WITNESS_MIGRATIONS } from "@spx/witness/witness-store";
import { Registry } from "prom-client";
import { runToExit } from "./testkit/run-to-exit.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * The witness as an operator (the CNDP) runs it: `node witness/dist/main.js` with only its settings.
 */

const _ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The witness run to its exit, as an operator would start it (`NODE_ENV=production` by default). */
const runWitness = (env: Record<string, string>) => runToExit("witness/dist/main.js", { WITNESS_PORT: "0", ...env });

function ed25519() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateJwk: privateKey.export({ format: "jwk" }),
    publicJwk: publicKey.export({ format: "jwk" }),
  };
}

const logKey = ed25519();
const LOGS = JSON.stringify([
  {
    origin: "spx.example.gov/access-log",
    vkey: verifierKeyString(noteKeyFromJwk("spx.example.gov/access-log", logKey.publicJwk, 0x01)),
    url: "https://spx.example.gov",
  },
]);

describe("the witness in production (NODE_ENV=production)", () => {
  it("refuses to start without its settings, naming each one, exit 2, no stack trace, nothing created", async () => {
    const exit = await runWitness({ NODE_ENV: "production" });
    expect(exit.code).toBe(2);
    expect(exit.output).toMatch(/^Invalid environment:/);
    expect(exit.output).toMatch(/^\s+WITNESS_SIGNING_KEY_FILE: required in production \(or WITNESS_SIGNING_KEY\)/m);
    expect(exit.output).toMatch(/^\s+WITNESS_DATABASE_URL: required in production/m);
    expect(exit.output).toMatch(/^\s+WITNESS_LOGS: required in production/m);
    expect(exit.output).not.toMatch(/\n\s+at /);
    expect(exit.dataDirEntries).toEqual([]);
  });

  it("refuses the development key and the embedded database: each is named, not created", async () => {
    const noKey = await runWitness({
      NODE_ENV: "production",
      WITNESS_DATABASE_URL: "postgresql://witness@db.invalid/witness",
      WITNESS_LOGS: LOGS,
    });
    expect(noKey.code).toBe(2);
    expect(noKey.output).toMatch(/WITNESS_SIGNING_KEY_FILE: required in production/);
    expect(noKey.output).not.toMatch(/WITNESS_DATABASE_URL/);
    expect(noKey.dataDirEntries).toEqual([]);
    const noDatabase = await runWitness({
      NODE_ENV: "production",
      WITNESS_SIGNING_KEY: JSON.stringify(ed25519().privateJwk),
      WITNESS_LOGS: LOGS,
    });
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.output).toMatch(
      /WITNESS_DATABASE_URL: required in production: the witness's own PostgreSQL \(the embedded database is refused\)/,
    );
    expect(noDatabase.dataDirEntries).toEqual([]);
  });

  it("refuses unusable settings: a log list that is not one, a log signed with the witness's own key", async () => {
    const badLogs = await runWitness({
      NODE_ENV: "production",
      WITNESS_SIGNING_KEY: JSON.stringify(ed25519().privateJwk),
      WITNESS_DATABASE_URL: "postgresql://witness@db.invalid/witness",
      WITNESS_LOGS: '[{"origin":"x","vkey":"not a key"}]',
    });
    expect(badLogs.code).toBe(2);
    expect(badLogs.output).toMatch(/WITNESS_LOGS\.0\.vkey: not a verifier key/);
    const ownKey = await runWitness({
      NODE_ENV: "production",
      WITNESS_SIGNING_KEY: JSON.stringify(logKey.privateJwk),
      WITNESS_DATABASE_URL: "postgresql://witness@db.invalid/witness",
      WITNESS_LOGS: LOGS,
    });
    expect(ownKey.code).toBe(2);
    expect(ownKey.output).toMatch(/a witness needs a key of its own/);
    expect(ownKey.output).not.toMatch(/"d":/);
  });
});

describe("the log and its witness", () => {
  const WITNESS = "witness.test.localhost";
  const logger = createLogger("test", "silent");
  let system: RunningSystem;
  let witnessDb: TestDatabase;
  let service: Awaited<ReturnType<typeof createWitnessService>>;
  let server: RunningServer | undefined;
  let client: WitnessClient;
  let checkpoints: CheckpointStore;
  const witnessJwk = ed25519();
  const witnessKey = noteKeyFromJwk(WITNESS, witnessJwk.publicJwk, 0x04);
  const registry = new Registry();

  beforeAll(async () => {
    system = await startSystem({ label: "witness", seedPersons: 5 });
    witnessDb = await createTestDatabase("witness_of_log", WITNESS_MIGRATIONS);
    service = await createWitnessService({
      sql: witnessDb.database.sql,
      logs: [{ origin: system.accessLogKey.name, key: system.accessLogKey, url: undefined }],
      signer: noteSigner(WITNESS, witnessJwk.privateJwk, 0x04),
      logger,
      pollIntervalMs: 0,
    });
    server = await listen(service.handler, 0);
    checkpoints = new CheckpointStore(system.accessLogDb.database.sql);
    client = followCheckpoints(system.sequencer!, {
      witnesses: [{ name: WITNESS, url: server.url, key: witnessKey }],
      checkpoints,
      tree: new AccessLogTree(system.accessLogDb.database.sql),
      logger,
      registry,
      // Long, so that a read waiting on the witness would show as one (see the test of a witness down).
      timeoutMs: 15_000,
      backoff: { initialMs: 50, maxMs: 200 },
    });
  });
  afterAll(async () => {
    await client?.stop();
    await server?.close();
    await witnessDb?.drop();
    await system?.stop();
  });

  async function read(): Promise<number> {
    const token = await system.token({ sub: "anr:witness", agency: "ANR", role: "SYSTEM" });
    const started = performance.now();
    const { status } = await system.query(token, "{ persons(first: 2) { edges { node { idcs } } } }");
    expect(status).toBe(200);
    return performance.now() - started;
  }

  async function cosignedSize(within = 10_000): Promise<number | undefined> {
    const deadline = Date.now() + within;
    for (;;) {
      const latest = await checkpoints.latest();
      if (latest?.cosignatures.some((c) => c.witness === WITNESS)) {
        return latest.size;
      }
      if (Date.now() > deadline) {
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("gets each checkpoint cosigned and stores the cosignature beside it", async () => {
    await read();
    const signed = await system.sequencer!.flush();
    expect(signed?.size).toBeGreaterThan(0);
    expect(await cosignedSize()).toBe(signed!.size);
    const stored = await checkpoints.atSize(signed!.size);
    const opened = openCheckpoint(cosignedNote(stored!), system.accessLogKey, [witnessKey]);
    expect(opened.cosignedBy.map((c) => c.name)).toEqual([WITNESS]);
    expect((await service.store.latest(system.accessLogKey.name))?.size).toBe(signed!.size);
  });

  it("is not slowed or failed by a witness that is down, and catches up when it is back", async () => {
    const port = server!.port;
    await server!.close();
    // Down the worst way: it takes the connection and never answers, so a submission hangs for the
    // client's whole timeout (15 s). A request waiting on it would take that long; none does.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(port, "127.0.0.1", resolve));
    server = undefined;
    const durations: number[] = [];
    for (let i = 0; i < 5; i++) {
      durations.push(await read());
    }
    const signed = await system.sequencer!.flush();
    for (let i = 0; i < 3; i++) {
      durations.push(await read());
    }
    expect(Math.max(...durations)).toBeLessThan(8_000);
    expect((await checkpoints.atSize(signed!.size))?.cosignatures).toEqual([]);
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise((resolve) => blackHole.close(resolve));
    const newest = await system.sequencer!.flush();
    // Back on the same address: the next retry submits the newest checkpoint, with a proof from
    // the size it cosigned before it went down.
    server = await listen(service.handler, port);
    expect(await cosignedSize(30_000)).toBe(newest!.size);
    const history = await service.store.history(system.accessLogKey.name);
    expect(history.map((h) => h.size).at(-1)).toBe(newest!.size);
    const refusals = (await registry.getSingleMetricAsString("access_log_witness_refusals_total")).trim().split("\n");
    expect(refusals).toContain(`access_log_witness_refusals_total{witness="${WITNESS}"} 0`);
  }, 90_000);
});
