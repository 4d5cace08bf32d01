import { DomainError } from "@spx/runtime/errors";
import {
  type Checkpoint,
  formatProofBundle,
  type Hash,
  inclusionProof,
  type NodeSource,
  type NoteKey,
  openCheckpoint,
  parseProofBundle,
  verifyProofBundle,
} from "@spx/runtime/tlog";
import { type CheckpointStore, cosignedNote, type StoredCheckpoint } from "./checkpoints.js";
import { leafData, type OpenedLeaf, parseLeaf, personCommitment, personSalt } from "./leaf.js";
import type { AccessLogKeys } from "./published-keys.js";
import { requestNodeSource } from "./request-nodes.js";
import type { LoggedEntry } from "./store.js";
import type { AccessLogTree } from "./tree.js";

/** `DataAccess.proof` / `AccessLogEntry.proof`. */
export interface AccessProofView {
  leafIndex: string;
  treeSize: string;
  witnessed: boolean;
  bundle: string;
}

/**
 * Whom a bundle is for. A citizen gets the opening of their own person commitment only (their
 * IDCS and the salt derived for it), never the entry's salt: with it they could test any other
 * IDCS against the entry's commitments, and open the official's details. An auditor gets the salt.
 */
export type ProofReader = { citizen: string } | { auditor: true };

/** The `extra` of a citizen's bundle. */
export interface CitizenExtra {
  leaf: string;
  idcs: string;
  personSalt: string;
}
/** The `extra` of an auditor's bundle. */
export interface AuditorExtra {
  leaf: string;
  salt: string;
}

/**
 * What one request's proofs are made from, so that a page of entries costs the same few
 * statements as one entry: the checkpoints, each read once for the request, and the tree's nodes,
 * read in one query for all the proofs asked together.
 */
export interface ProofAnchors {
  witnessed: Promise<StoredCheckpoint | undefined>;
  latest: Promise<StoredCheckpoint | undefined>;
  /** A checkpoint the reader names (one they kept), read once per request and size. */
  atSize(size: number): Promise<StoredCheckpoint | undefined>;
  nodes: NodeSource;
}

/** Inclusion proofs of the log's entries against its checkpoints, in tlog-proof bundles. */
export class AccessLogProofs {
  constructor(
    readonly tree: AccessLogTree,
    readonly checkpoints: CheckpointStore,
    readonly keys: AccessLogKeys,
  ) {}

  /** A request's anchors: created once per request, shared by all its proofs. */
  anchors(): ProofAnchors {
    const names = this.keys.witnesses.map((w) => w.name);
    const bySize = new Map<number, Promise<StoredCheckpoint | undefined>>();
    return {
      witnessed: names.length > 0 ? this.checkpoints.latestWitnessed(0, names) : Promise.resolve(undefined),
      latest: this.checkpoints.latest(),
      atSize: (size) => {
        let found = bySize.get(size);
        if (!found) {
          found = this.checkpoints.atSize(size);
          bySize.set(size, found);
        }
        return found;
      },
      nodes: requestNodeSource(this.tree),
    };
  }

  /** A consistency proof; empty from the empty tree (C2SP witness semantics) and between equal sizes. */
  consistency(from: number, to: number): Promise<Hash[]> {
    return from === 0 || from === to ? Promise.resolve([]) : this.tree.consistencyProof(from, to);
  }

  /**
   * The entry's proof against the checkpoint of `checkpointSize` when the reader names one (a
   * checkpoint they kept: unknown sizes are refused), else the latest witnessed checkpoint that
   * contains it, else the latest checkpoint (witnessed: false); null while the entry is in none
   * yet, or not in the tree of the size named.
   */
  async proof(
    entry: LoggedEntry,
    reader: ProofReader,
    anchors: ProofAnchors,
    checkpointSize?: number,
  ): Promise<AccessProofView | null> {
    const index = entry.leafIndex;
    if (index === null) {
      return null;
    }
    let checkpoint: StoredCheckpoint | null;
    let witnessedCheckpoint: boolean;
    if (checkpointSize !== undefined) {
      const named = await anchors.atSize(checkpointSize);
      if (!named) {
        throw new DomainError("BAD_USER_INPUT", `The log signed no checkpoint of size ${checkpointSize}`);
      }
      checkpoint = named.size > index ? named : null;
      const cosigners = new Set(named.cosignatures.map((c) => c.witness));
      witnessedCheckpoint = this.keys.witnesses.length > 0 && this.keys.witnesses.every((w) => cosigners.has(w.name));
    } else {
      const witnessed = await anchors.witnessed;
      const latest = await anchors.latest;
      checkpoint = witnessed && witnessed.size > index ? witnessed : latest && latest.size > index ? latest : null;
      witnessedCheckpoint = checkpoint !== null && checkpoint === witnessed;
    }
    if (!checkpoint) {
      return null;
    }
    const proof = await inclusionProof(index, checkpoint.size, anchors.nodes);
    const data = leafData(entry, entry.salt);
    const extra: CitizenExtra | AuditorExtra =
      "citizen" in reader
        ? {
            leaf: Buffer.from(data).toString("base64"),
            idcs: reader.citizen,
            personSalt: Buffer.from(personSalt(entry.salt, reader.citizen)).toString("hex"),
          }
        : { leaf: Buffer.from(data).toString("base64"), salt: Buffer.from(entry.salt).toString("hex") };
    const bundle = formatProofBundle({
      extra: new TextEncoder().encode(JSON.stringify(extra)),
      index,
      proof,
      checkpoint: cosignedNote(checkpoint),
    });
    return {
      leafIndex: String(index),
      treeSize: String(checkpoint.size),
      witnessed: witnessedCheckpoint,
      bundle,
    };
  }
}

/** What a verified bundle says. */
export interface VerifiedBundle {
  index: number;
  checkpoint: Checkpoint;
  /** Witnesses (known keys) whose cosignature verified, with their timestamps. */
  cosignedBy: { name: string; time: number }[];
  entry: OpenedLeaf;
  /** A citizen's bundle: the IDCS its commitment opens to (checked to be one of the entry's persons). */
  person?: string;
}

/** A bundle that is not one of ours, or unreadable: exit 2, not a failed check. */
export class UnusableBundleError extends Error {}

function decodeExtra(extra: Uint8Array | undefined): CitizenExtra | AuditorExtra {
  if (!extra) {
    throw new UnusableBundleError("the bundle has no extra data (the entry): it is not an access-log proof");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(extra));
  } catch {
    throw new UnusableBundleError("the bundle's extra data is not JSON");
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  if (typeof record.leaf !== "string") {
    throw new UnusableBundleError("the bundle's extra data holds no leaf");
  }
  if (typeof record.idcs === "string" && typeof record.personSalt === "string") {
    return { leaf: record.leaf, idcs: record.idcs, personSalt: record.personSalt };
  }
  if (typeof record.salt === "string") {
    return { leaf: record.leaf, salt: record.salt };
  }
  throw new UnusableBundleError("the bundle's extra data holds neither a person's opening nor the entry's salt");
}

const HEX_32 = /^[0-9a-f]{64}$/;

/**
 * Verifies a bundle offline: the checkpoint's log signature (and each known witness's
 * cosignature), the entry's inclusion, and what the extra data claims about the entry: for a
 * citizen, that their IDCS is one of its persons; for an auditor, that each of `persons` is.
 * Throws (with the reason) when any fails, `UnusableBundleError` when it is not an access-log proof.
 */
export function verifyAccessBundle(
  text: string,
  keys: { log: NoteKey; witnesses: readonly NoteKey[] },
  options: { requiredWitnesses?: readonly string[]; persons?: readonly string[] } = {},
): VerifiedBundle {
  let bundle: ReturnType<typeof parseProofBundle>;
  try {
    bundle = parseProofBundle(text);
  } catch (error) {
    throw new UnusableBundleError(`not a tlog-proof bundle: ${(error as Error).message}`);
  }
  const extra = decodeExtra(bundle.extra);
  const data = new Uint8Array(Buffer.from(extra.leaf, "base64"));
  if (Buffer.from(data).toString("base64") !== extra.leaf) {
    throw new Error("the entry (leaf) is not valid base64");
  }
  const checkpoint = verifyProofBundle(bundle, data, keys.log, keys.witnesses, options.requiredWitnesses ?? []);
  const { cosignedBy } = openCheckpoint(bundle.checkpoint, keys.log, keys.witnesses);
  const entry = parseLeaf(data);
  const verified: VerifiedBundle = { index: bundle.index, checkpoint, cosignedBy, entry };
  if ("idcs" in extra) {
    if (!HEX_32.test(extra.personSalt)) {
      throw new Error("the person's salt is not 32 bytes of hex");
    }
    const commitment = personCommitment(Buffer.from(extra.personSalt, "hex"), extra.idcs);
    if (!entry.personCommitments.includes(commitment)) {
      throw new Error(`the entry is not about ${extra.idcs}: no person commitment opens to it`);
    }
    verified.person = extra.idcs;
  } else {
    if (!HEX_32.test(extra.salt)) {
      throw new Error("the entry's salt is not 32 bytes of hex");
    }
    const salt = Buffer.from(extra.salt, "hex");
    for (const idcs of options.persons ?? []) {
      if (!entry.personCommitments.includes(personCommitment(personSalt(salt, idcs), idcs))) {
        throw new Error(`the entry is not about ${idcs}`);
      }
    }
  }
  return verified;
}
