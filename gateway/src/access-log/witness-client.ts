/*
 * The log's side of C2SP tlog-witness: each checkpoint the sequencer signs is submitted to every
 * configured witness (POST <url>/add-checkpoint, with a consistency proof from the size that
 * witness last cosigned, learnt from its 409), and each cosignature returned is checked and stored
 * beside the checkpoint (access_log_cosignature). None of this is on a request's path: a witness
 * down or slow delays its cosignatures only, and it catches up with the newest checkpoint when back.
 */
import type { Logger } from "@spx/runtime/logging";
import { boundedCounter } from "@spx/runtime/metrics";
import { addCheckpointBody, addSignatureLines, openNote } from "@spx/runtime/tlog";
import type { Registry } from "prom-client";
import type { AccessLogWitness } from "../env.js";
import type { CheckpointStore, StoredCheckpoint } from "./checkpoints.js";
import type { Sequencer } from "./sequencer.js";
import type { AccessLogTree } from "./tree.js";

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 60_000 };
/** 409s in a row for one checkpoint (each teaching the witness's size) before waiting. */
const MAX_CONFLICTS = 3;

export interface WitnessClientOptions {
  witnesses: readonly AccessLogWitness[];
  checkpoints: Pick<CheckpointStore, "latest" | "addCosignature">;
  tree: Pick<AccessLogTree, "consistencyProof">;
  logger: Logger;
  /** The gateway's registry: `access_log_witness_refusals_total{witness}`. */
  registry: Registry;
  timeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

type Outcome = "cosigned" | "dropped" | "retry";

/** One witness: the newest checkpoint it still has to cosign, submitted one at a time. */
class WitnessLane {
  /** The size it last cosigned, as it told us (200 or 409); unknown until it does. */
  private knownSize: number | undefined;
  private wanted: StoredCheckpoint | undefined;
  private running: Promise<void> | undefined;
  private delayMs = 0;
  private wake: (() => void) | undefined;
  private unreachableSince: number | undefined;
  private readonly abort = new AbortController();
  stopped = false;

  constructor(
    private readonly witness: AccessLogWitness,
    private readonly options: WitnessClientOptions & { refused: () => void },
  ) {}

  offer(checkpoint: StoredCheckpoint): void {
    if (this.stopped) {
      return;
    }
    if (!this.wanted || checkpoint.size >= this.wanted.size) {
      this.wanted = checkpoint;
    }
    // A newer checkpoint does not wait out the backoff of an older one: it may be what the witness
    // lacked, and if the witness is still down the next failure backs off again.
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.wanted && !this.stopped) {
      const checkpoint = this.wanted;
      const outcome = await this.submit(checkpoint).catch((error: unknown) => this.unreachable(error));
      if (outcome === "retry") {
        this.delayMs = Math.min(
          this.options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs,
          Math.max(this.options.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs, this.delayMs * 2),
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.delayMs);
          timer.unref();
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        continue;
      }
      this.delayMs = 0;
      if (this.wanted === checkpoint) {
        this.wanted = undefined;
      }
    }
  }

  private unreachable(error: unknown): Outcome {
    if (this.stopped) {
      return "dropped";
    }
    if (this.unreachableSince === undefined) {
      this.unreachableSince = Date.now();
      this.options.logger.warn(
        { witness: this.witness.name, reason: (error as Error).message },
        "witness unreachable; retrying with backoff",
      );
    }
    return "retry";
  }

  private refusal(checkpoint: StoredCheckpoint, status: number, reason: string): Outcome {
    this.knownSize = undefined;
    this.options.refused();
    this.options.logger.error(
      { witness: this.witness.name, size: checkpoint.size, status, reason: reason.slice(0, 200) },
      "witness refused the access log's checkpoint",
    );
    return "dropped";
  }

  private async submit(checkpoint: StoredCheckpoint): Promise<Outcome> {
    for (let conflicts = 0; conflicts <= MAX_CONFLICTS; conflicts++) {
      const old = this.knownSize ?? 0;
      if (old > checkpoint.size) {
        // The witness is past this checkpoint (a newer one was cosigned): nothing to do.
        return "dropped";
      }
      const proof =
        old > 0 && old < checkpoint.size ? await this.options.tree.consistencyProof(old, checkpoint.size) : [];
      const response = await fetch(`${this.witness.url}/add-checkpoint`, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: addCheckpointBody(old, proof, checkpoint.note),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)]),
      });
      const text = await response.text();
      if (this.unreachableSince !== undefined && response.status < 500) {
        this.options.logger.info(
          { witness: this.witness.name, downForMs: Date.now() - this.unreachableSince },
          "witness reachable again",
        );
        this.unreachableSince = undefined;
      }
      if (response.status === 409) {
        const size = /^(0|[1-9][0-9]*)\n$/.exec(text);
        if (!size) {
          return this.refusal(checkpoint, 409, "a 409 without a size");
        }
        this.knownSize = Number(size[1]);
        continue;
      }
      if (response.status === 200) {
        return this.store(checkpoint, text);
      }
      if (response.status >= 500 || response.status === 429) {
        return this.unreachable(new Error(`HTTP ${response.status}`));
      }
      return this.refusal(checkpoint, response.status, text.trim());
    }
    // Its size moved under every attempt: others submit too; wait, then ask again.
    return "retry";
  }

  /** Keeps the witness's cosignature lines after checking each over this very checkpoint. */
  private async store(checkpoint: StoredCheckpoint, text: string): Promise<Outcome> {
    const prefix = `— ${this.witness.name} `;
    const lines = text.split("\n").filter((line) => line.startsWith(prefix));
    try {
      // Only the witness's key: its cosignature must verify over this checkpoint's very text.
      if (
        lines.length === 0 ||
        openNote(addSignatureLines(checkpoint.note, lines), [this.witness.key]).verifiedBy.length === 0
      ) {
        throw new Error("no cosignature of this witness");
      }
    } catch (error) {
      return this.refusal(checkpoint, 200, `cosignature does not verify: ${(error as Error).message}`);
    }
    for (const line of lines) {
      await this.options.checkpoints.addCosignature(checkpoint.size, this.witness.name, line);
    }
    this.knownSize = checkpoint.size;
    return "cosigned";
  }
}

export class WitnessClient {
  private readonly lanes: WitnessLane[];

  constructor(private readonly options: WitnessClientOptions) {
    const refusals = boundedCounter(options.registry, {
      name: "access_log_witness_refusals_total",
      help: "Checkpoints of the access log a witness refused (or answered with a cosignature that does not verify).",
      labels: { witness: options.witnesses.map((w) => w.name) },
    });
    this.lanes = options.witnesses.map((witness) => {
      refusals.zero({ witness: witness.name });
      return new WitnessLane(witness, { ...options, refused: () => refusals.inc({ witness: witness.name }) });
    });
  }

  /** Catches up after a restart: the newest checkpoint, to every witness that has not cosigned it. */
  async start(): Promise<void> {
    const latest = await this.options.checkpoints.latest();
    if (!latest) {
      return;
    }
    this.options.witnesses.forEach((witness, index) => {
      if (!latest.cosignatures.some((c) => c.witness === witness.name)) {
        this.lanes[index]?.offer(latest);
      }
    });
  }

  /** Never waits: the sequencer's listener returns at once. */
  submit(checkpoint: StoredCheckpoint): void {
    for (const lane of this.lanes) {
      lane.offer(checkpoint);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.stop()));
  }
}

/**
 * Submits every checkpoint `sequencer` signs in this process to the witnesses, and first the newest
 * one already stored (a restart, or checkpoints signed while they were down). Stop it before the
 * database closes.
 */
export function followCheckpoints(
  sequencer: Pick<Sequencer, "onCheckpoint">,
  options: WitnessClientOptions,
): WitnessClient {
  const client = new WitnessClient(options);
  sequencer.onCheckpoint((checkpoint) => client.submit(checkpoint));
  client.start().catch((error: unknown) => {
    options.logger.warn({ reason: (error as Error).message }, "could not read the latest checkpoint to submit");
  });
  return client;
}
