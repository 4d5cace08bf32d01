import { addCheckpointBody, verifyConsistency } from "@spx/runtime/tlog";
import { MemoryLog, type RunningWitness, startWitness } from "./support.js";

/*
 * The race tlog-witness warns of: two submissions checked before either is persisted would let a
 * smaller tree be cosigned after a larger one. Many clients submit checkpoints of different sizes
 * at once, each learning the witness's size from its 409 and retrying, as a log's client does.
 */

describe("concurrent add-checkpoint", () => {
  let log: MemoryLog;
  let witness: RunningWitness;

  beforeAll(async () => {
    log = new MemoryLog().append(64);
    witness = await startWitness([log.trusted()]);
  });
  afterAll(() => witness.stop());

  /** Submits `size` until cosigned (200) or overtaken (400: the witness is past it). */
  async function client(size: number): Promise<number[]> {
    const statuses: number[] = [];
    let old = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      // Overtaken (old > size): sent as is, for the witness's 400.
      const proof = old <= size ? await log.proof(old, size) : [];
      const answer = await witness.post(addCheckpointBody(old, proof, log.note(size)));
      statuses.push(answer.status);
      // 503: its database was busy (a burst queues on the log's row); retried as a log's client does.
      if (answer.status === 503) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (answer.status !== 409) {
        return statuses;
      }
      old = Number(answer.text.trim());
    }
    throw new Error(`size ${size} was neither cosigned nor overtaken`);
  }

  it("never rolls back: its state only grows, and each cosigned checkpoint is consistent with the one before", async () => {
    const sizes = Array.from({ length: 40 }, (_, i) => 1 + ((i * 37) % 64));
    const outcomes = await Promise.all(sizes.map((size) => client(size)));
    for (const statuses of outcomes) {
      expect([200, 400]).toContain(statuses[statuses.length - 1]);
      expect(statuses.slice(0, -1).every((status) => status === 409 || status === 503)).toBe(true);
    }
    const history = await witness.service.store.history(log.origin);
    expect(history.length).toBeGreaterThan(1);
    for (let i = 1; i < history.length; i++) {
      const [before, after] = [history[i - 1]!, history[i]!];
      expect(after.size).toBeGreaterThanOrEqual(before.size);
      verifyConsistency(before.size, after.size, before.root, after.root, await log.proof(before.size, after.size));
    }
    const latest = await witness.service.store.latest(log.origin);
    expect(latest?.size).toBe(Math.max(...sizes));
    expect(latest?.size).toBe(history[history.length - 1]!.size);
    // No alarm: every one of these checkpoints is the same honest log.
    expect(await witness.service.alarms.list()).toEqual([]);
  });
});
