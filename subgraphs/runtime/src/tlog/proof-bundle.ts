import { type Checkpoint, openCheckpoint } from "./checkpoint.js";
import { fromBase64, parseDecimal, toBase64 } from "./encoding.js";
import { TlogError } from "./errors.js";
import { assertCount, assertHashes, type Hash, leafHash } from "./merkle.js";
import type { NoteKey } from "./note.js";
import { verifyInclusion } from "./verify.js";

/**
 * tlog-proof bundles (c2sp.org/tlog-proof, "c2sp.org/tlog-proof@v1"): an offline-verifiable proof
 * that an entry is in the log, as a citizen keeps it. Hand-written: no maintained npm package offers
 * RFC 9162 proofs and C2SP notes as an API (design notes §9).
 */

export const PROOF_BUNDLE_HEADER = "c2sp.org/tlog-proof@v1";
/** A tree of 2^53 leaves needs 53 hashes; anything past 63 is not a proof of this log. */
export const MAX_BUNDLE_PROOF_LINES = 63;

export interface ProofBundle {
  /** Opaque, unauthenticated data for the application (here: the leaf and what opens it). */
  extra?: Uint8Array;
  index: number;
  proof: Hash[];
  /** The checkpoint note, with its cosignatures. */
  checkpoint: string;
}

const malformed = (message: string) => new TlogError("BUNDLE_MALFORMED", message);

export function formatProofBundle(b: ProofBundle): string {
  assertCount(b.index, "leaf index");
  if (b.proof.length > MAX_BUNDLE_PROOF_LINES) {
    throw malformed(`at most ${MAX_BUNDLE_PROOF_LINES} proof lines, got ${b.proof.length}`);
  }
  assertHashes(b.proof, "proof hash");
  if (typeof b.checkpoint !== "string" || b.checkpoint.length === 0) {
    throw malformed("the bundle needs a checkpoint");
  }
  const extra = b.extra === undefined ? "" : `extra ${toBase64(b.extra)}\n`;
  const proof = b.proof.map((hash) => `${toBase64(hash)}\n`).join("");
  return `${PROOF_BUNDLE_HEADER}\n${extra}index ${b.index}\n${proof}\n${b.checkpoint}`;
}

export function parseProofBundle(text: string): ProofBundle {
  if (typeof text !== "string") {
    throw malformed("a proof bundle is text");
  }
  let at = 0;
  const nextLine = (what: string): string => {
    const end = text.indexOf("\n", at);
    if (end < 0) {
      throw malformed(`the bundle ends before ${what}`);
    }
    const line = text.slice(at, end);
    at = end + 1;
    return line;
  };
  if (nextLine("its header") !== PROOF_BUNDLE_HEADER) {
    throw malformed(`a proof bundle starts with the line ${PROOF_BUNDLE_HEADER}`);
  }
  let line = nextLine("the index line");
  let extra: Uint8Array | undefined;
  if (line.startsWith("extra ")) {
    extra = fromBase64(line.slice(6), "BUNDLE_MALFORMED", "the extra data");
    line = nextLine("the index line");
  }
  if (!line.startsWith("index ")) {
    throw malformed('the bundle needs the line "index <n>"');
  }
  const index = parseDecimal(line.slice(6), "BUNDLE_MALFORMED", "the leaf index");
  const proof: Hash[] = [];
  for (line = nextLine("the empty line before the checkpoint"); line !== ""; line = nextLine("the checkpoint")) {
    if (proof.length === MAX_BUNDLE_PROOF_LINES) {
      throw malformed(`at most ${MAX_BUNDLE_PROOF_LINES} proof lines`);
    }
    const hash = fromBase64(line, "BUNDLE_MALFORMED", `proof line ${proof.length + 1}`);
    if (hash.length !== 32) {
      throw malformed(`proof line ${proof.length + 1} is not a 32-byte hash`);
    }
    proof.push(hash);
  }
  const checkpoint = text.slice(at);
  if (checkpoint.length === 0) {
    throw malformed("the bundle has no checkpoint");
  }
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

/** Opens the checkpoint with the keys (requiring every name in `requiredCosigners`), then verifies inclusion of leafHash(leafData). */
export function verifyProofBundle(
  b: ProofBundle,
  leafData: Uint8Array,
  logKey: NoteKey,
  cosigners: readonly NoteKey[] = [],
  requiredCosigners: readonly string[] = [],
): Checkpoint {
  const { checkpoint, cosignedBy } = openCheckpoint(b.checkpoint, logKey, cosigners);
  for (const name of requiredCosigners) {
    if (!cosignedBy.some((c) => c.name === name)) {
      throw new TlogError("COSIGNER_MISSING", `the checkpoint is not cosigned by ${name}`);
    }
  }
  verifyInclusion(b.index, checkpoint.size, leafHash(leafData), b.proof, checkpoint.root);
  return checkpoint;
}
