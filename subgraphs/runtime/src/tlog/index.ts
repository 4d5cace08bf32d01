/**
 * `@spx/runtime/tlog`: a verifiable log's building blocks — RFC 9162 Merkle trees and proofs, C2SP
 * signed notes, checkpoints, cosignatures, the tlog-witness add-checkpoint body and tlog-proof
 * bundles. Hand-written: no maintained npm package offers RFC 9162 proofs and C2SP notes as an API
 * (design notes §9). Only `node:crypto`.
 */
export { type Checkpoint, checkpointText, cosignatureLine, openCheckpoint, parseCheckpoint } from "./checkpoint.js";
export { TlogError, type TlogErrorCode } from "./errors.js";
export { CompactRange, EMPTY_ROOT, frontierIds, type Hash, leafHash, type NodeId, nodeHash, rootOf } from "./merkle.js";
export {
  addSignatureLines,
  MAX_NOTE_SIGNATURES,
  type NoteKey,
  type NoteSigner,
  noteKeyFromJwk,
  noteSigner,
  type OpenedNote,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKeyString,
} from "./note.js";
export {
  formatProofBundle,
  MAX_BUNDLE_PROOF_LINES,
  PROOF_BUNDLE_HEADER,
  type ProofBundle,
  parseProofBundle,
  verifyProofBundle,
} from "./proof-bundle.js";
export { consistencyProof, inclusionProof, memoryNodeSource, type NodeSource, rootFromSource } from "./proofs.js";
export { verifyConsistency, verifyInclusion } from "./verify.js";
export { addCheckpointBody, MAX_PROOF_LINES, parseAddCheckpointBody } from "./witness-body.js";
