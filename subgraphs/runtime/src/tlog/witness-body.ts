import { fromBase64, parseDecimal, toBase64 } from "./encoding.js";
import { TlogError } from "./errors.js";
import { assertCount, assertHashes, type Hash } from "./merkle.js";

/**
 * The tlog-witness add-checkpoint request body (c2sp.org/tlog-witness): "old <size>", up to 63
 * base64 consistency proof lines, an empty line, then the checkpoint note. Hand-written: no maintained
 * npm package offers RFC 9162 proofs and C2SP notes as an API (design notes §9).
 *
 * Only the framing is checked here; the witness verifies the note's signatures and the proof.
 */

/** The spec's bound: a client MUST NOT send more. */
export const MAX_PROOF_LINES = 63;

const malformed = (message: string) => new TlogError("BODY_MALFORMED", message);

export function addCheckpointBody(oldSize: number, proof: readonly Hash[], note: string): string {
  assertCount(oldSize, "old size");
  if (proof.length > MAX_PROOF_LINES) {
    throw malformed(`at most ${MAX_PROOF_LINES} consistency proof lines, got ${proof.length}`);
  }
  assertHashes(proof, "proof hash");
  if (typeof note !== "string" || note.length === 0) {
    throw malformed("the checkpoint note is empty");
  }
  return `old ${oldSize}\n${proof.map((hash) => `${toBase64(hash)}\n`).join("")}\n${note}`;
}

export function parseAddCheckpointBody(body: string): { oldSize: number; proof: Hash[]; note: string } {
  if (typeof body !== "string") {
    throw malformed("the body must be text");
  }
  const first = body.indexOf("\n");
  if (first < 0 || !body.startsWith("old ")) {
    throw malformed('the body must start with the line "old <size>"');
  }
  const oldSize = parseDecimal(body.slice(4, first), "BODY_MALFORMED", "the old size");
  const proof: Hash[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf("\n", at);
    if (end < 0) {
      throw malformed("the body needs an empty line between the proof and the checkpoint");
    }
    const line = body.slice(at, end);
    at = end + 1;
    if (line.length === 0) {
      break;
    }
    if (proof.length === MAX_PROOF_LINES) {
      throw malformed(`at most ${MAX_PROOF_LINES} consistency proof lines`);
    }
    const hash = fromBase64(line, "BODY_MALFORMED", `consistency proof line ${proof.length + 1}`);
    if (hash.length !== 32) {
      throw malformed(`consistency proof line ${proof.length + 1} is not a 32-byte hash`);
    }
    proof.push(hash);
  }
  const note = body.slice(at);
  if (note.length === 0) {
    throw malformed("the body has no checkpoint");
  }
  return { oldSize, proof, note };
}
