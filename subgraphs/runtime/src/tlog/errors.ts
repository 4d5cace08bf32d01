/**
 * The one error every tlog function throws. Hand-written like the rest of `@spx/runtime/tlog`: no
 * maintained npm package offers RFC 9162 proofs and C2SP notes as an API (design notes §9).
 *
 * `code` is stable (callers map it to HTTP statuses or exit codes); `message` names what failed.
 */
export class TlogError extends Error {
  constructor(
    readonly code: TlogErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = "TlogError";
  }
}

/** The codes this library throws. */
export type TlogErrorCode =
  /** A hash that is not exactly 32 bytes. */
  | "HASH_LENGTH"
  /** A size or index that is not a safe non-negative integer, or out of range (index ≥ size, from > to). */
  | "RANGE"
  /** A NodeSource lacks a node that a proof or root needs. */
  | "MISSING_NODE"
  | "INCLUSION_FAILED"
  | "CONSISTENCY_FAILED"
  /** A key name, JWK or verifier key string that cannot be used. */
  | "KEY_MALFORMED"
  /** A note that breaks the signed-note format (control characters, no signature block, …). */
  | "NOTE_MALFORMED"
  /** A known key's signature does not verify. */
  | "NOTE_BAD_SIGNATURE"
  /** No known key (or not the required one) verified the note. */
  | "NOTE_UNVERIFIED"
  | "CHECKPOINT_MALFORMED"
  /** A tlog-witness add-checkpoint body that breaks the format. */
  | "BODY_MALFORMED"
  /** A tlog-proof bundle that breaks the format. */
  | "BUNDLE_MALFORMED"
  /** A cosigner required by the caller did not cosign. */
  | "COSIGNER_MISSING";
