/*
 * The witness's one decision (C2SP tlog-witness, add-checkpoint): cosign a checkpoint only when it is
 * consistent with the latest one cosigned for its log, comparing and persisting under that log's
 * row lock. Submissions (POST /add-checkpoint) and the poll loop both come here, so that a checkpoint
 * fetched from the log is held to exactly the rules a submitted one is.
 */
import type { Logger } from "@spx/runtime/logging";
import {
  addSignatureLines,
  cosignatureLine,
  EMPTY_ROOT,
  type Hash,
  type NoteSigner,
  openNote,
  parseAddCheckpointBody,
  parseCheckpoint,
  verifyConsistency,
} from "@spx/runtime/tlog";
import type { Alarm, AlarmReason, Alarms } from "./alarms.js";
import type { TrustedLog } from "./env.js";
import { LogUnreachable } from "./poll.js";
import type { WitnessStore } from "./witness-store.js";

/** What add-checkpoint answers: the status, and a body of its own media type. */
export interface Answer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
}

const TEXT = "text/plain; charset=utf-8";
/** tlog-witness: the 409's body is the latest cosigned size, of this type. */
export const SIZE_CONTENT_TYPE = "text/x.tlog.size";

const refuse = (status: Answer["status"], message: string): Answer => ({
  status,
  contentType: TEXT,
  body: `${message}\n`,
});

const equal = (a: Hash, b: Hash) => Buffer.from(a).equals(Buffer.from(b));

/** Reads a consistency proof from the log itself (`GET <url>/access-log/consistency`). */
export type ProofSource = (log: TrustedLog, from: number, to: number) => Promise<Hash[]>;

export interface WitnessOptions {
  logs: readonly TrustedLog[];
  signer: NoteSigner;
  store: WitnessStore;
  alarms: Alarms;
  logger: Logger;
  /** Asks the log to prove a smaller checkpoint consistent with the cosigned one (a stale one is no alarm). */
  proofFromLog: ProofSource;
  /** Called with each newly cosigned size. */
  onCosigned?: (origin: string, size: number) => void;
  /** Unix seconds, for the cosignature's timestamp. */
  now?: () => number;
}

interface Submission {
  log: TrustedLog;
  oldSize: number;
  proof: Hash[];
  note: string;
  /** The note's text (the checkpoint body) and what it says. */
  text: string;
  size: number;
  root: Hash;
}

type Verdict = {
  answer: Answer;
  alarm?: Omit<Alarm, "source" | "note" | "origin">;
  smallerUnknown?: { size: number; root: Hash };
};

export class Witness {
  private readonly logs: Map<string, TrustedLog>;
  private readonly now: () => number;

  constructor(private readonly options: WitnessOptions) {
    this.logs = new Map(options.logs.map((log) => [log.origin, log]));
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get trusted(): readonly TrustedLog[] {
    return [...this.logs.values()];
  }

  log(origin: string): TrustedLog | undefined {
    return this.logs.get(origin);
  }

  /** POST /add-checkpoint: the body as sent, the answer per tlog-witness. */
  async addCheckpoint(body: string): Promise<Answer> {
    let request: { oldSize: number; proof: Hash[]; note: string };
    try {
      request = parseAddCheckpointBody(body);
    } catch (error) {
      return refuse(400, `malformed add-checkpoint body: ${(error as Error).message}`);
    }
    const opened = this.open(request.note);
    if ("status" in opened) {
      return opened;
    }
    return this.submit({ ...opened, oldSize: request.oldSize, proof: request.proof, note: request.note }, "submission");
  }

  /**
   * The checkpoint note's log, verified: 404 for an unknown origin, 403 when no trusted signature
   * verifies (or a trusted one fails), 400 when it is not a checkpoint.
   */
  open(note: string): Answer | { log: TrustedLog; text: string; size: number; root: Hash } {
    const origin = note.slice(0, Math.max(0, note.indexOf("\n")));
    const log = this.logs.get(origin);
    if (!log) {
      return refuse(404, "unknown log origin");
    }
    let text: string;
    try {
      text = openNote(note, [log.key]).text;
    } catch (error) {
      return refuse(403, `the checkpoint is not signed by the log's key: ${(error as Error).message}`);
    }
    try {
      const checkpoint = parseCheckpoint(text);
      return { log, text, size: checkpoint.size, root: checkpoint.root };
    } catch (error) {
      return refuse(400, `not a checkpoint: ${(error as Error).message}`);
    }
  }

  /** Compare and persist, atomically; alarms raised after the transaction, with what was compared. */
  async submit(submission: Submission, source: Alarm["source"]): Promise<Answer> {
    const { log } = submission;
    let cosigned = { size: 0, root: EMPTY_ROOT };
    const verdict = await this.options.store.locked(log.origin, async (locked): Promise<Verdict> => {
      cosigned = { size: locked.state.size, root: locked.state.root };
      return this.decide(submission, locked);
    });
    const seen = { size: submission.size, root: submission.root };
    if (verdict.alarm) {
      await this.options.alarms.raise({ ...verdict.alarm, origin: log.origin, source, note: submission.note });
    } else if (verdict.smallerUnknown) {
      await this.checkSmaller(log, cosigned, seen, source, submission.note);
    }
    if (verdict.answer.status === 200) {
      this.options.onCosigned?.(log.origin, submission.size);
    }
    return verdict.answer;
  }

  private async decide(
    submission: Submission,
    locked: Parameters<Parameters<WitnessStore["locked"]>[1]>[0],
  ): Promise<Verdict> {
    const { state } = locked;
    const { oldSize, proof, size, root } = submission;
    const cosigned = { size: state.size, root: state.root };
    const seen = { size, root };
    const alarmOf = (reason: AlarmReason, detail: string) => ({ reason, cosigned, seen, detail });
    // The evidence first (a checkpoint the log signed that contradicts what was cosigned), then the
    // protocol's answer, whatever the client claimed as its old size.
    let alarm: ReturnType<typeof alarmOf> | undefined;
    let smallerUnknown: { size: number; root: Hash } | undefined;
    if (size < state.size) {
      const roots = await locked.rootsCosignedAt(size);
      if (roots.length > 0 && !roots.some((r) => equal(r, root))) {
        alarm = alarmOf("fork", `checkpoint ${size} has another root than the one cosigned at that size`);
      } else if (roots.length === 0) {
        smallerUnknown = seen;
      }
    } else if (size === state.size && state.note !== undefined && !equal(root, state.root)) {
      alarm = alarmOf("fork", `checkpoint ${size} has another root than the one cosigned at that size`);
    }
    const verdict = (answer: Answer): Verdict => ({
      answer,
      ...(alarm ? { alarm } : {}),
      ...(smallerUnknown ? { smallerUnknown } : {}),
    });
    if (oldSize > size) {
      return verdict(refuse(400, `old size ${oldSize} is larger than the checkpoint's size ${size}`));
    }
    if (oldSize !== state.size) {
      return verdict({ status: 409, contentType: SIZE_CONTENT_TYPE, body: `${state.size}\n` });
    }
    if (oldSize === 0 && proof.length > 0) {
      return verdict(refuse(422, "a consistency proof from size 0 must be empty"));
    }
    if (size === 0 && !equal(root, EMPTY_ROOT)) {
      return verdict(refuse(422, "a checkpoint of size 0 must have the empty tree's root"));
    }
    if (size === state.size && !equal(root, state.root)) {
      return verdict(refuse(422, `checkpoint ${size} has another root than the one cosigned at that size`));
    }
    try {
      verifyConsistency(oldSize, size, state.root, root, proof);
    } catch (error) {
      const detail = `consistency proof from ${oldSize} to ${size} fails: ${(error as Error).message}`;
      // A proof from the empty tree proves nothing: a bad one is the client's mistake, not the log's.
      if (oldSize > 0) {
        alarm ??= alarmOf("inconsistent", detail);
      }
      return verdict(refuse(422, detail));
    }
    const cosignedAt = this.now();
    const line = cosignatureLine(submission.text, this.options.signer, cosignedAt).replace(/\n$/, "");
    await locked.persist({
      size,
      root,
      note: addSignatureLines(submission.note, [line]),
      line,
      cosignedAt: new Date(cosignedAt * 1000),
    });
    return { answer: { status: 200, contentType: TEXT, body: `${line}\n` } };
  }

  /**
   * A checkpoint smaller than the cosigned one, of a size never cosigned: stale if the log proves it
   * consistent with the cosigned tree (an old checkpoint resent, or overtaken by a concurrent
   * submission), truncated if it cannot. Without the log's URL there is nobody to ask: an old
   * checkpoint is no evidence by itself, so it is only logged.
   */
  private async checkSmaller(
    log: TrustedLog,
    cosigned: { size: number; root: Hash },
    seen: { size: number; root: Hash },
    source: Alarm["source"],
    note: string,
  ): Promise<void> {
    if (!log.url) {
      this.options.logger.warn(
        { origin: log.origin, cosignedSize: cosigned.size, seenSize: seen.size },
        "a checkpoint smaller than the one cosigned, not checked (no URL for this log)",
      );
      return;
    }
    try {
      const proof = await this.options.proofFromLog(log, seen.size, cosigned.size);
      verifyConsistency(seen.size, cosigned.size, seen.root, cosigned.root, proof);
    } catch (error) {
      if (error instanceof LogUnreachable) {
        this.options.logger.warn(
          { origin: log.origin, cosignedSize: cosigned.size, seenSize: seen.size, reason: error.message },
          "a checkpoint smaller than the one cosigned, not checked (the log is unreachable)",
        );
        return;
      }
      const detail = `the log shows ${seen.size} entries after ${cosigned.size} were cosigned, and cannot prove them consistent: ${(error as Error).message}`;
      await this.options.alarms.raise({
        origin: log.origin,
        reason: "truncated",
        source,
        cosigned,
        seen,
        detail,
        note,
      });
    }
  }
}
