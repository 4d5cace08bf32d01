/*
 * Pull mode: the witness fetches each log's latest checkpoint itself, so that a log that stops
 * submitting (or submits to nobody) is still watched. What the log publishes as its latest must
 * never be smaller than, or differ at the same size from, what was cosigned; a larger one is
 * cosigned when the log proves it consistent.
 */
import type { Logger } from "@spx/runtime/logging";
import type { Hash } from "@spx/runtime/tlog";
import type { Alarms } from "./alarms.js";
import type { TrustedLog } from "./env.js";
import type { Witness } from "./witness.js";
import type { WitnessStore } from "./witness-store.js";

const FETCH_TIMEOUT_MS = 5_000;
/** A checkpoint note with a few dozen signatures, or 64 hashes of proof, is far below this. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The log did not answer (network, timeout, 5xx): nothing is concluded from it. */
export class LogUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogUnreachable";
  }
}

/** The log answered, and refused (4xx): e.g. it cannot prove consistency with a tree it no longer has. */
export class LogRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogRefused";
  }
}

async function getText(url: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
  } catch (error) {
    throw new LogUnreachable(`${url}: ${(error as Error).message}`);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await response.text();
  if (response.status >= 400 && response.status < 500) {
    throw new LogRefused(`${url}: HTTP ${response.status}`);
  }
  if (!response.ok) {
    throw new LogUnreachable(`${url}: HTTP ${response.status}`);
  }
  if (text.length > MAX_ANSWER_BYTES) {
    throw new LogUnreachable(`${url}: answer too large`);
  }
  return text;
}

/** The log's latest checkpoint note (with its cosignatures), undefined while it has none. */
export function fetchCheckpoint(log: TrustedLog & { url: string }): Promise<string | undefined> {
  return getText(`${log.url}/access-log/checkpoint`);
}

/** A consistency proof from the log (`/access-log/consistency`): one base64 hash a line. */
export async function fetchConsistencyProof(log: TrustedLog, from: number, to: number): Promise<Hash[]> {
  if (!log.url) {
    throw new LogUnreachable(`no URL for ${log.origin}`);
  }
  if (from === 0 || from === to) {
    return [];
  }
  const text = await getText(`${log.url}/access-log/consistency?from=${from}&to=${to}`);
  if (text === undefined) {
    throw new LogRefused(`the log has no consistency proof from ${from} to ${to}`);
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const hash = Buffer.from(line, "base64");
      if (hash.length !== 32 || hash.toString("base64") !== line) {
        throw new LogRefused("the log's consistency proof is not one base64 hash a line");
      }
      return new Uint8Array(hash);
    });
}

export type PollOutcome =
  | "none"
  | "unchanged"
  | "cosigned"
  | "alarm"
  | "refused"
  | "unreachable"
  | "moved"
  | "not-verified";

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Logs that did not answer the last poll: told once per outage, not every interval. */
  private readonly down = new Set<string>();

  constructor(
    private readonly options: {
      witness: Witness;
      store: WitnessStore;
      alarms: Alarms;
      logger: Logger;
      intervalMs: number;
    },
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) {
      return;
    }
    const schedule = () => {
      if (this.stopped) {
        return;
      }
      this.timer = setTimeout(() => {
        this.round = this.pollAll().finally(schedule);
      }, this.options.intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round over every log with a URL; never throws (each log's problem is logged). */
  async pollAll(): Promise<void> {
    for (const log of this.options.witness.trusted) {
      if (!log.url) {
        continue;
      }
      await this.poll({ ...log, url: log.url }).catch((error: unknown) => {
        this.options.logger.error({ origin: log.origin, err: error }, "witness poll failed");
      });
    }
  }

  async poll(log: TrustedLog & { url: string }): Promise<PollOutcome> {
    const { witness, store, alarms, logger } = this.options;
    let note: string | undefined;
    try {
      note = await fetchCheckpoint(log);
    } catch (error) {
      if (!this.down.has(log.origin)) {
        this.down.add(log.origin);
        logger.warn({ origin: log.origin, reason: (error as Error).message }, "log unreachable; polling on");
      }
      return "unreachable";
    }
    if (this.down.delete(log.origin)) {
      logger.info({ origin: log.origin }, "log reachable again");
    }
    if (note === undefined) {
      return "none";
    }
    const opened = witness.open(note);
    if ("status" in opened) {
      // Not the log's signature: possibly not the log answering at all. Nothing to hold it to.
      logger.warn({ origin: log.origin, status: opened.status, reason: opened.body.trim() }, "checkpoint not verified");
      return "not-verified";
    }
    const state = await store.latest(log.origin);
    const cosigned = { size: state?.size ?? 0, root: state?.root ?? opened.root };
    const seen = { size: opened.size, root: opened.root };
    if (state?.note !== undefined && seen.size < cosigned.size) {
      // The log's latest is smaller than a tree it showed before: whatever it proves, it went back.
      const roots = (await store.history(log.origin)).filter((r) => r.size === seen.size).map((r) => r.root);
      const forked = roots.length > 0 && !roots.some((r) => Buffer.from(r).equals(Buffer.from(seen.root)));
      await alarms.raise({
        origin: log.origin,
        reason: forked ? "fork" : "truncated",
        source: "poll",
        cosigned,
        seen,
        detail: forked
          ? `checkpoint ${seen.size} has another root than the one cosigned at that size`
          : `the log's latest checkpoint has ${seen.size} entries after ${cosigned.size} were cosigned`,
        note,
      });
      return "alarm";
    }
    if (state?.note !== undefined && seen.size === cosigned.size) {
      if (Buffer.from(seen.root).equals(Buffer.from(cosigned.root))) {
        return "unchanged";
      }
      await alarms.raise({
        origin: log.origin,
        reason: "fork",
        source: "poll",
        cosigned,
        seen,
        detail: `checkpoint ${seen.size} has another root than the one cosigned at that size`,
        note,
      });
      return "alarm";
    }
    const oldSize = state?.size ?? 0;
    let proof: Hash[];
    try {
      proof = await fetchConsistencyProof(log, oldSize, seen.size);
    } catch (error) {
      logger.warn({ origin: log.origin, reason: (error as Error).message }, "no consistency proof from the log");
      return "unreachable";
    }
    const answer = await witness.submit({ ...opened, oldSize, proof, note }, "poll");
    switch (answer.status) {
      case 200:
        logger.info({ origin: log.origin, size: seen.size }, "cosigned (poll)");
        return "cosigned";
      case 409:
        // A submission got there first; the next round compares with it.
        return "moved";
      default:
        // 422: not cosigned; an inconsistent log is alarmed by the witness itself.
        return "refused";
    }
  }
}
