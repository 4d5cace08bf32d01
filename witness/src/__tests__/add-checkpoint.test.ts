import {
  addCheckpointBody,
  addSignatureLines,
  checkpointText,
  openCheckpoint,
  signNote,
  verifyConsistency,
} from "@spx/runtime/tlog";
import { MemoryLog, type RunningWitness, startWitness, WITNESS_NAME } from "./support.js";

/*
 * C2SP tlog-witness add-checkpoint, status by status, over real HTTP against a witness on its own
 * database; the log is a real tree with real signatures and proofs.
 */

describe("POST /add-checkpoint", () => {
  let log: MemoryLog;
  let witness: RunningWitness;

  beforeEach(async () => {
    log = new MemoryLog().append(5);
    witness = await startWitness([log.trusted()]);
  });
  afterEach(() => witness.stop());

  /** Submits the log's checkpoint at `size` from `old` and expects it cosigned. */
  async function cosign(old: number, size: number) {
    const answer = await witness.post(await log.body(old, size));
    expect([answer.status, answer.text]).toEqual([200, expect.stringMatching(/^— /)]);
    return answer;
  }

  it("cosigns a first checkpoint (old 0): one cosignature line that verifies with the witness key", async () => {
    const before = Math.floor(Date.now() / 1000);
    const answer = await cosign(0, 5);
    expect(answer.text.endsWith("\n")).toBe(true);
    expect(answer.text.trimEnd().split("\n")).toHaveLength(1);
    const opened = openCheckpoint(addSignatureLines(log.note(5), [answer.text]), log.key, [witness.key]);
    expect(opened.checkpoint.size).toBe(5);
    expect(opened.cosignedBy).toEqual([{ name: WITNESS_NAME, time: expect.any(Number) }]);
    expect(opened.cosignedBy[0]!.time).toBeGreaterThanOrEqual(before);
    // What it cosigned is published, cosignature included.
    const published = await fetch(`${witness.url}/checkpoint?origin=${encodeURIComponent(log.origin)}`);
    expect(published.status).toBe(200);
    const note = await published.text();
    expect(openCheckpoint(note, log.key, [witness.key]).cosignedBy.map((c) => c.name)).toEqual([WITNESS_NAME]);
  });

  it("cosigns a larger checkpoint with a valid consistency proof from the last one cosigned", async () => {
    await cosign(0, 5);
    log.append(8);
    await cosign(5, 13);
    const { witness: state } = { witness: await witness.service.store.latest(log.origin) };
    expect(state?.size).toBe(13);
    // The same size again (same root) is cosigned again: a fresher statement about the same tree.
    await cosign(13, 13);
  });

  it("404: a checkpoint of an origin it does not witness", async () => {
    const other = new MemoryLog("other.localhost/log").append(3);
    const answer = await witness.post(await other.body(0));
    expect(answer.status).toBe(404);
  });

  it("403: no trusted signature (another key under the log's name), or the log key's signature fails", async () => {
    const impostor = new MemoryLog(log.origin).append(5);
    expect((await witness.post(await impostor.body(0))).status).toBe(403);
    // The log's own key, the signature altered: a known key whose signature fails.
    const note = log.note(5);
    const lines = note.split("\n");
    const signatureLine = lines[lines.length - 2]!;
    const blob = Buffer.from(signatureLine.slice(signatureLine.lastIndexOf(" ") + 1), "base64");
    blob[10] = (blob[10] ?? 0) ^ 0xff;
    lines[lines.length - 2] = `${signatureLine.slice(0, signatureLine.lastIndexOf(" ") + 1)}${blob.toString("base64")}`;
    expect((await witness.post(addCheckpointBody(0, [], lines.join("\n")))).status).toBe(403);
    // A signed text that is not a checkpoint is refused as malformed, after the signature.
    expect(
      (await witness.post(addCheckpointBody(0, [], signNote(`${log.origin}\nnot a size\n`, log.signer)))).status,
    ).toBe(400);
  });

  it("400: an old size larger than the checkpoint's size, or a malformed body", async () => {
    const answer = await witness.post(addCheckpointBody(6, [], log.note(5)));
    expect(answer.status).toBe(400);
    expect((await witness.post("old 01\n\n")).status).toBe(400);
    expect((await witness.post("not a body")).status).toBe(400);
  });

  it("409: an old size other than the last one cosigned, with that size as text/x.tlog.size", async () => {
    await cosign(0, 5);
    log.append(3);
    const fromZero = await witness.post(await log.body(0, 8));
    expect(fromZero.status).toBe(409);
    expect(fromZero.contentType).toBe("text/x.tlog.size");
    expect(fromZero.text).toBe("5\n");
    const wrong = await witness.post(addCheckpointBody(3, await log.proof(3, 8), log.note(8)));
    expect([wrong.status, wrong.text]).toEqual([409, "5\n"]);
  });

  it("422: a proof that does not verify, a proof from old size 0, the same size with another root", async () => {
    await cosign(0, 5);
    log.append(3);
    const proof = await log.proof(5, 8);
    const bad = [...proof];
    bad[0] = new Uint8Array(32).fill(7);
    expect((await witness.post(addCheckpointBody(5, bad, log.note(8)))).status).toBe(422);
    expect((await witness.post(addCheckpointBody(5, [], log.note(8)))).status).toBe(422);
    // Same size, another root, signed by the log.
    const forked = signNote(checkpointText({ origin: log.origin, size: 5, root: log.root(4) }), log.signer);
    expect((await witness.post(addCheckpointBody(5, [], forked))).status).toBe(422);
    // Nothing of these was cosigned: the state is still 5 with its root.
    const state = await witness.service.store.latest(log.origin);
    expect(state?.size).toBe(5);
    expect(Buffer.from(state!.root).equals(Buffer.from(log.root(5)))).toBe(true);
  });

  it("422: a proof sent with old size 0, and a size-0 checkpoint with a root other than the empty tree's", async () => {
    const withProof = addCheckpointBody(0, [new Uint8Array(32)], log.note(5));
    expect((await witness.post(withProof)).status).toBe(422);
    const emptyButNot = signNote(checkpointText({ origin: log.origin, size: 0, root: log.root(1) }), log.signer);
    expect((await witness.post(addCheckpointBody(0, [], emptyButNot))).status).toBe(422);
  });

  it("refuses what is not a POST, and bodies over 64 KiB", async () => {
    expect((await fetch(`${witness.url}/add-checkpoint`)).status).toBe(405);
    const huge = await fetch(`${witness.url}/add-checkpoint`, { method: "POST", body: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it("serves /healthz, /readyz and 404 for what it never cosigned", async () => {
    expect((await fetch(`${witness.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${witness.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${witness.url}/checkpoint?origin=${encodeURIComponent(log.origin)}`)).status).toBe(404);
    expect((await fetch(`${witness.url}/checkpoint?origin=nobody`)).status).toBe(404);
  });

  it("keeps the history of what it cosigned, each consistent with the one before", async () => {
    await cosign(0, 2);
    log.append(1);
    await cosign(2, 6);
    await cosign(6, 6);
    const history = await witness.service.store.history(log.origin);
    expect(history.map((h) => h.size)).toEqual([2, 6, 6]);
    for (let i = 1; i < history.length; i++) {
      const [a, b] = [history[i - 1]!, history[i]!];
      verifyConsistency(a.size, b.size, a.root, b.root, await log.proof(a.size, b.size));
    }
  });
});
