import { randomBytes } from "node:crypto";
import { addCheckpointBody, checkpointText, leafHash, signNote } from "@spx/runtime/tlog";
import { MemoryLog, type RunningWitness, serveLog, startWitness } from "./support.js";

/*
 * A misbehaving log, caught by its witness both when the log submits (add-checkpoint) and when the
 * witness polls it: each is refused, never cosigned, logged at error level, counted, and listed
 * at /alarms with the log-signed checkpoint as evidence.
 */

interface ListedAlarm {
  origin: string;
  reason: string;
  source: string;
  cosigned: { size: number; root: string };
  seen: { size: number; root: string };
  detail: string;
  note: string;
}

async function alarmsOf(witness: RunningWitness): Promise<ListedAlarm[]> {
  const response = await fetch(`${witness.url}/alarms`);
  expect(response.status).toBe(200);
  return (await response.json()) as ListedAlarm[];
}

async function alarmCount(witness: RunningWitness, reason: string): Promise<number> {
  const text = await (await fetch(`${witness.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`witness_alarms_total{reason="${reason}"}`));
  return Number(line?.split(" ")[1]);
}

/** The log after a superuser edited entry `index` and recomputed the tree: same size, rewritten history. */
function rewritten(log: MemoryLog, index: number): MemoryLog {
  const copy = new MemoryLog(log.origin, undefined);
  Object.assign(copy, { signer: log.signer, key: log.key });
  copy.leaves.push(...log.leaves);
  copy.leaves[index] = leafHash(randomBytes(16));
  return copy;
}

function errorLogs(
  witness: RunningWitness,
): { reason: string; origin: string; cosignedSize: number; seenSize: number }[] {
  return witness.logs.map((line) => JSON.parse(line)).filter((entry) => entry.level === 50 && entry.reason);
}

describe("alarms on submission", () => {
  let log: MemoryLog;
  let witness: RunningWitness;
  let gateway: Awaited<ReturnType<typeof serveLog>>;
  let served: MemoryLog;

  beforeEach(async () => {
    log = new MemoryLog().append(10);
    served = log;
    gateway = await serveLog(() => served);
    witness = await startWitness([log.trusted(gateway.url)]);
    expect((await witness.post(await log.body(0, 10))).status).toBe(200);
  });
  afterEach(async () => {
    await witness.stop();
    await gateway.close();
  });

  it("lists alarms by origin, and answers 404 for a log it does not witness, whatever the text", async () => {
    const mine = await fetch(`${witness.url}/alarms?origin=${encodeURIComponent(log.origin)}`);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual([]);
    for (const other of ["elsewhere.example/log", "%00%ff", "x".repeat(5000)]) {
      const response = await fetch(`${witness.url}/alarms?origin=${other}`);
      expect(response.status).toBe(404);
    }
  });

  it("a forked log: the same size with another root is refused (422) and alarmed once", async () => {
    const fork = rewritten(log, 3);
    const body = addCheckpointBody(10, [], fork.note(10));
    expect((await witness.post(body)).status).toBe(422);
    expect((await witness.post(body)).status).toBe(422);
    const alarms = await alarmsOf(witness);
    expect(alarms).toEqual([
      expect.objectContaining({
        origin: log.origin,
        reason: "fork",
        source: "submission",
        cosigned: { size: 10, root: Buffer.from(log.root()).toString("base64") },
        seen: { size: 10, root: Buffer.from(fork.root()).toString("base64") },
        note: fork.note(10),
      }),
    ]);
    expect(await alarmCount(witness, "fork")).toBe(1);
    expect(errorLogs(witness)).toEqual([
      expect.objectContaining({ reason: "fork", origin: log.origin, cosignedSize: 10, seenSize: 10 }),
    ]);
  });

  it("a rewritten history: a larger checkpoint whose consistency proof fails is refused (422) and alarmed", async () => {
    const edited = rewritten(log, 4).append(6);
    served = edited;
    const answer = await witness.post(addCheckpointBody(10, await edited.proof(10, 16), edited.note(16)));
    expect(answer.status).toBe(422);
    expect(await alarmsOf(witness)).toEqual([
      expect.objectContaining({
        reason: "inconsistent",
        source: "submission",
        cosigned: expect.objectContaining({ size: 10 }),
        seen: expect.objectContaining({ size: 16 }),
      }),
    ]);
    expect(await alarmCount(witness, "inconsistent")).toBe(1);
    expect((await witness.service.store.latest(log.origin))?.size).toBe(10);
  });

  it("a truncated log: a smaller checkpoint the log cannot prove consistent with what was cosigned", async () => {
    const truncated = new MemoryLog(log.origin);
    Object.assign(truncated, { signer: log.signer, key: log.key });
    truncated.leaves.push(...log.leaves.slice(0, 7));
    served = truncated;
    // The client learned the witness's size (10) and offers its 7: 400, and an alarm.
    expect((await witness.post(addCheckpointBody(10, [], truncated.note(7)))).status).toBe(400);
    expect(await alarmsOf(witness)).toEqual([
      expect.objectContaining({
        reason: "truncated",
        source: "submission",
        seen: expect.objectContaining({ size: 7 }),
      }),
    ]);
    expect(await alarmCount(witness, "truncated")).toBe(1);
  });

  it("no alarm for an older checkpoint of an honest log, resent late (the log proves it consistent)", async () => {
    log.append(5);
    expect((await witness.post(await log.body(10, 15))).status).toBe(200);
    expect((await witness.post(addCheckpointBody(15, [], log.note(12)))).status).toBe(400);
    expect((await witness.post(addCheckpointBody(0, [], log.note(12)))).status).toBe(409);
    expect(await alarmsOf(witness)).toEqual([]);
  });

  it("a fork at a size cosigned earlier: another root than the one in its history", async () => {
    log.append(5);
    expect((await witness.post(await log.body(10, 15))).status).toBe(200);
    const forkedTen = signNote(checkpointText({ origin: log.origin, size: 10, root: log.root(9) }), log.signer);
    expect((await witness.post(addCheckpointBody(15, [], forkedTen))).status).toBe(400);
    expect(await alarmsOf(witness)).toEqual([
      expect.objectContaining({ reason: "fork", seen: expect.objectContaining({ size: 10 }) }),
    ]);
  });
});

describe("alarms from the poll loop", () => {
  let log: MemoryLog;
  let served: MemoryLog;
  let witness: RunningWitness;
  let gateway: Awaited<ReturnType<typeof serveLog>>;
  const poll = () => witness.service.poller.poll({ ...log.trusted(gateway.url), url: gateway.url });

  beforeEach(async () => {
    log = new MemoryLog().append(10);
    served = log;
    gateway = await serveLog(() => served);
    witness = await startWitness([log.trusted(gateway.url)]);
  });
  afterEach(async () => {
    await witness.stop();
    await gateway.close();
  });

  it("cosigns what the log publishes as it grows (pull mode), and nothing when it has not changed", async () => {
    expect(await poll()).toBe("cosigned");
    log.append(7);
    expect(await poll()).toBe("cosigned");
    expect(await poll()).toBe("unchanged");
    expect((await witness.service.store.latest(log.origin))?.size).toBe(17);
    expect(await alarmsOf(witness)).toEqual([]);
  });

  it("a forked log: the published checkpoint has another root at the size cosigned", async () => {
    expect(await poll()).toBe("cosigned");
    served = rewritten(log, 0);
    expect(await poll()).toBe("alarm");
    expect(await poll()).toBe("alarm");
    expect(await alarmsOf(witness)).toEqual([expect.objectContaining({ reason: "fork", source: "poll" })]);
    expect(await alarmCount(witness, "fork")).toBe(1);
  });

  it("a truncated log: the published checkpoint is smaller than the one cosigned", async () => {
    expect(await poll()).toBe("cosigned");
    const truncated = new MemoryLog(log.origin);
    Object.assign(truncated, { signer: log.signer, key: log.key });
    truncated.leaves.push(...log.leaves.slice(0, 9));
    served = truncated;
    expect(await poll()).toBe("alarm");
    expect(await alarmsOf(witness)).toEqual([
      expect.objectContaining({
        reason: "truncated",
        source: "poll",
        cosigned: expect.objectContaining({ size: 10 }),
        seen: expect.objectContaining({ size: 9 }),
      }),
    ]);
  });

  it("a rewritten history: entry 3 edited, the tree recomputed and grown; the proof fails and nothing is cosigned", async () => {
    expect(await poll()).toBe("cosigned");
    served = rewritten(log, 3).append(4);
    expect(await poll()).toBe("refused");
    expect(await alarmsOf(witness)).toEqual([
      expect.objectContaining({ reason: "inconsistent", source: "poll", seen: expect.objectContaining({ size: 14 }) }),
    ]);
    expect((await witness.service.store.latest(log.origin))?.size).toBe(10);
  });

  it("the loop itself polls every interval, through a while when the log has no checkpoint yet", async () => {
    await witness.stop();
    served = new MemoryLog(log.origin);
    witness = await startWitness([log.trusted(gateway.url)], { pollIntervalMs: 50 });
    witness.service.poller.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await witness.service.store.latest(log.origin))?.size).toBe(0);
    served = log;
    for (let i = 0; i < 100 && (await witness.service.store.latest(log.origin))?.size !== 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await witness.service.store.latest(log.origin))?.size).toBe(10);
  });
});
