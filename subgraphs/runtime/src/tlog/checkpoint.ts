import { fromBase64, parseDecimal, toBase64 } from "./encoding.js";
import { TlogError } from "./errors.js";
import { assertCount, assertHash, type Hash } from "./merkle.js";
import { assertNoteText, cosignLine, type NoteKey, type NoteSigner, openNoteLines } from "./note.js";

/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint) and Ed25519 cosignatures (c2sp.org/tlog-cosignature).
 * Hand-written: no maintained npm package offers RFC 9162 proofs and C2SP notes as an API (design
 * notes §9).
 *
 * Parsing is strict and refuses extension lines: this log writes none, and a cosigner makes no
 * statement about them, so accepting them would only let unaudited text ride along.
 */

export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
}

const malformed = (message: string) => new TlogError("CHECKPOINT_MALFORMED", message);

/** "origin\nsize\nbase64(root)\n" */
export function checkpointText(c: Checkpoint): string {
  if (typeof c.origin !== "string" || c.origin.length === 0 || c.origin.includes("\n")) {
    throw malformed("a checkpoint origin is one non-empty line");
  }
  assertCount(c.size, "tree size");
  assertHash(c.root, "root hash");
  const text = `${c.origin}\n${c.size}\n${toBase64(c.root)}\n`;
  assertNoteText(text, "checkpoint text");
  return text;
}

/** Strict: exactly origin, size (no leading zeros) and a 32-byte base64 root, each on its line. */
export function parseCheckpoint(text: string): Checkpoint {
  try {
    assertNoteText(text, "checkpoint text");
  } catch (error) {
    throw malformed((error as Error).message);
  }
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) {
    throw malformed("a checkpoint has three lines: origin, tree size, root hash");
  }
  if (lines.length > 3) {
    throw malformed("checkpoint extension lines are not accepted");
  }
  const [origin, size, root] = lines as [string, string, string];
  if (origin.length === 0) {
    throw malformed("the checkpoint origin is empty");
  }
  const bytes = fromBase64(root, "CHECKPOINT_MALFORMED", "the checkpoint root hash");
  if (bytes.length !== 32) {
    throw malformed(`the checkpoint root hash must be 32 bytes, got ${bytes.length}`);
  }
  return { origin, size: parseDecimal(size, "CHECKPOINT_MALFORMED", "the checkpoint tree size"), root: bytes };
}

/**
 * A cosignature/v1 line (without its newline) over the checkpoint text at `timeSeconds`, by a type
 * 0x04 signer: signs "cosignature/v1\ntime <t>\n" + text, and carries keyId ‖ u64 t ‖ signature.
 */
export function cosignatureLine(text: string, signer: NoteSigner, timeSeconds: number): string {
  parseCheckpoint(text);
  return cosignLine(text, signer, timeSeconds);
}

/** openNote + parse; the log's key must verify; also returns cosignature timestamps by key name. */
export function openCheckpoint(
  note: string,
  logKey: NoteKey,
  cosigners: readonly NoteKey[] = [],
): { checkpoint: Checkpoint; cosignedBy: { name: string; time: number }[]; note: string } {
  // A cosignature only states what a witness saw; only the log's own note signature makes a checkpoint.
  if (logKey.type !== 0x01) {
    throw new TlogError("KEY_MALFORMED", `the log key ${logKey.name} must be a note signature key (type 0x01)`);
  }
  const { text, verified } = openNoteLines(note, [logKey, ...cosigners]);
  if (!verified.some((v) => v.key === logKey)) {
    throw new TlogError("NOTE_UNVERIFIED", `the checkpoint is not signed by the log key ${logKey.name}`);
  }
  const checkpoint = parseCheckpoint(text);
  const cosignedBy = verified
    .filter((v) => v.key !== logKey && v.time !== undefined)
    .map((v) => ({ name: v.key.name, time: v.time as number }));
  return { checkpoint, cosignedBy, note };
}
