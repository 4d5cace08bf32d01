import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { equalBytes, fromBase64, toBase64, toHex } from "./encoding.js";
import { TlogError } from "./errors.js";

/**
 * C2SP signed notes (c2sp.org/signed-note), Ed25519 only: note signatures (type 0x01) and timestamped
 * cosignatures (type 0x04, c2sp.org/tlog-cosignature). Hand-written: no maintained npm package offers
 * RFC 9162 proofs and C2SP notes as an API (design notes §9; @sigstore/verify's note check requires
 * every signature to be known, the opposite of the spec's rule, and is not exported).
 */

/** A public key as notes name it: the (name, key ID) pair selects it; type 0x01 note signature, 0x04 cosignature/v1. */
export interface NoteKey {
  name: string;
  keyId: Uint8Array;
  type: 0x01 | 0x04;
  publicKey: Uint8Array;
}

export interface NoteSigner extends NoteKey {
  /** A raw Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

export interface OpenedNote {
  text: string;
  /** Every signature line, in order, without its newline. */
  lines: string[];
  verifiedBy: NoteKey[];
}

/** One verified signature line, with its cosignature timestamp (type 0x04). */
export interface VerifiedLine {
  key: NoteKey;
  line: string;
  time?: number;
}

const ED25519_SIZE = 32;
const SIGNATURE_SIZE = 64;
/** Verifiers must accept at least 16 signatures; more than this is refused as a resource bound. */
export const MAX_NOTE_SIGNATURES = 100;
/** Far above any checkpoint (a few hundred bytes) with a hundred signatures. */
export const MAX_NOTE_LENGTH = 1 << 20;
const DASH = "\u2014 ";
const COSIGNATURE_HEADER = "cosignature/v1\n";

// Lone UTF-16 surrogates cannot be encoded as UTF-8, so a string holding one is not a valid note.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids exactly these
const CONTROL = /[\u0000-\u0009\u000B-\u001F]/;
const encoder = new TextEncoder();

/** Throws NOTE_MALFORMED unless `text` is valid note text: UTF-8, no control character but newline, ends in newline. */
export function assertNoteText(text: unknown, what = "note text"): asserts text is string {
  if (typeof text !== "string") {
    throw new TlogError("NOTE_MALFORMED", `${what} must be a string`);
  }
  if (text.length > MAX_NOTE_LENGTH) {
    throw new TlogError("NOTE_MALFORMED", `${what} is longer than ${MAX_NOTE_LENGTH} characters`);
  }
  if (LONE_SURROGATE.test(text)) {
    throw new TlogError("NOTE_MALFORMED", `${what} is not valid UTF-8`);
  }
  if (CONTROL.test(text)) {
    throw new TlogError("NOTE_MALFORMED", `${what} contains a control character other than newline`);
  }
  if (!text.endsWith("\n")) {
    throw new TlogError("NOTE_MALFORMED", `${what} must end with a newline`);
  }
}

/** Key names are non-empty, without Unicode spaces or "+" (and, as note text, without control characters). */
export function assertKeyName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0 || /[\s+]/u.test(name) || CONTROL.test(name)) {
    throw new TlogError(
      "KEY_MALFORMED",
      `a key name must be non-empty, without spaces or "+": ${JSON.stringify(name)}`,
    );
  }
  if (LONE_SURROGATE.test(name)) {
    throw new TlogError("KEY_MALFORMED", "a key name must be valid UTF-8");
  }
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], the key ID signed-note and tlog-cosignature prescribe. */
export function keyIdOf(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  const digest = createHash("sha256")
    .update(encoder.encode(name))
    .update(new Uint8Array([0x0a, type]))
    .update(publicKey)
    .digest();
  return new Uint8Array(digest.subarray(0, 4));
}

function assertType(type: unknown): asserts type is 0x01 | 0x04 {
  if (type !== 0x01 && type !== 0x04) {
    throw new TlogError(
      "KEY_MALFORMED",
      `signature type must be 0x01 (Ed25519) or 0x04 (cosignature/v1), got ${String(type)}`,
    );
  }
}

function rawPublicKey(jwk: JsonWebKey): Uint8Array {
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new TlogError("KEY_MALFORMED", 'the key must be an Ed25519 JWK ({"kty":"OKP","crv":"Ed25519",…})');
  }
  const bytes = Buffer.from(jwk.x, "base64url");
  if (bytes.length !== ED25519_SIZE || bytes.toString("base64url") !== jwk.x) {
    throw new TlogError("KEY_MALFORMED", "the JWK's x is not a 32-byte Ed25519 public key");
  }
  return new Uint8Array(bytes);
}

function makeKey(name: string, type: 0x01 | 0x04, publicKey: Uint8Array): NoteKey {
  return { name, keyId: keyIdOf(name, type, publicKey), type, publicKey };
}

/** From a private Ed25519 JWK ({kty:"OKP",crv:"Ed25519",d,x}); type 0x01 = note signature, 0x04 = cosignature/v1. */
export function noteSigner(name: string, privateJwk: JsonWebKey, type: 0x01 | 0x04 = 0x01): NoteSigner {
  assertKeyName(name);
  assertType(type);
  if (typeof privateJwk?.d !== "string") {
    throw new TlogError("KEY_MALFORMED", "the signing key must be a private Ed25519 JWK (with d)");
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: privateJwk, format: "jwk" });
  } catch {
    throw new TlogError("KEY_MALFORMED", "the signing key is not a usable Ed25519 JWK");
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new TlogError("KEY_MALFORMED", "the signing key must be Ed25519");
  }
  // The public half is derived, so a JWK whose x does not belong to d is caught here, not by verifiers.
  const publicKey = rawPublicKey(createPublicKey(privateKey).export({ format: "jwk" }));
  if (privateJwk.x !== undefined && !equalBytes(rawPublicKey(privateJwk), publicKey)) {
    throw new TlogError("KEY_MALFORMED", "the JWK's x is not the public key of its d");
  }
  return {
    ...makeKey(name, type, publicKey),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

export function noteKeyFromJwk(name: string, publicJwk: JsonWebKey, type: 0x01 | 0x04 = 0x01): NoteKey {
  assertKeyName(name);
  assertType(type);
  return makeKey(name, type, rawPublicKey(publicJwk));
}

/** "name+hex(keyId)+base64(type ‖ public key)", the signed-note verifier key encoding. */
export function verifierKeyString(key: NoteKey): string {
  const material = new Uint8Array(1 + key.publicKey.length);
  material[0] = key.type;
  material.set(key.publicKey, 1);
  return `${key.name}+${toHex(key.keyId)}+${toBase64(material)}`;
}

export function parseVerifierKey(vkey: string): NoteKey {
  if (typeof vkey !== "string") {
    throw new TlogError("KEY_MALFORMED", "a verifier key must be a string");
  }
  const plus = vkey.indexOf("+");
  const name = vkey.slice(0, plus);
  const hex = vkey.slice(plus + 1, plus + 9);
  if (plus <= 0 || !/^[0-9a-f]{8}$/.test(hex) || vkey[plus + 9] !== "+") {
    throw new TlogError("KEY_MALFORMED", "a verifier key is name+keyid(8 hex digits)+base64(type ‖ key)");
  }
  assertKeyName(name);
  const material = fromBase64(vkey.slice(plus + 10), "KEY_MALFORMED", "the verifier key's material");
  const type = material[0];
  assertType(type);
  if (material.length !== 1 + ED25519_SIZE) {
    throw new TlogError("KEY_MALFORMED", `an Ed25519 verifier key holds 32 bytes of key, got ${material.length - 1}`);
  }
  const key = makeKey(name, type, material.slice(1));
  if (toHex(key.keyId) !== hex) {
    throw new TlogError("KEY_MALFORMED", `the verifier key's ID ${hex} is not the one its name and key give`);
  }
  return key;
}

/** A signature line ("— name base64(keyId ‖ signature)", without newline) over already-signed bytes. */
function signatureLine(key: NoteKey, signature: Uint8Array): string {
  const blob = new Uint8Array(4 + signature.length);
  blob.set(key.keyId, 0);
  blob.set(signature, 4);
  return `${DASH}${key.name} ${toBase64(blob)}`;
}

/** Signs `text` (which must end with "\n") with a type 0x01 signer; returns the full note. */
export function signNote(text: string, signer: NoteSigner): string {
  assertNoteText(text);
  if (signer.type !== 0x01) {
    throw new TlogError("KEY_MALFORMED", "notes are signed with a type 0x01 key; cosignatures use cosignatureLine");
  }
  return `${text}\n${signatureLine(signer, signer.sign(encoder.encode(text)))}\n`;
}

/** The bytes a cosignature/v1 signs: "cosignature/v1\ntime <t>\n" then the checkpoint text. */
export function cosignatureMessage(text: string, timeSeconds: number): Uint8Array {
  return encoder.encode(`${COSIGNATURE_HEADER}time ${timeSeconds}\n${text}`);
}

/** A cosignature/v1 line (without newline) over `text` at `timeSeconds`, by a type 0x04 signer. */
export function cosignLine(text: string, signer: NoteSigner, timeSeconds: number): string {
  assertNoteText(text, "checkpoint text");
  if (signer.type !== 0x04) {
    throw new TlogError("KEY_MALFORMED", "cosignatures are made with a type 0x04 key");
  }
  if (!Number.isSafeInteger(timeSeconds) || timeSeconds < 0) {
    throw new TlogError("RANGE", `a cosignature time is whole seconds since the epoch, got ${String(timeSeconds)}`);
  }
  const signature = signer.sign(cosignatureMessage(text, timeSeconds));
  const timestamped = new Uint8Array(8 + signature.length);
  new DataView(timestamped.buffer).setBigUint64(0, BigInt(timeSeconds));
  timestamped.set(signature, 8);
  return signatureLine(signer, timestamped);
}

interface SignatureLine {
  line: string;
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

function parseSignatureLine(line: string): SignatureLine {
  const space = line.indexOf(" ", DASH.length);
  if (!line.startsWith(DASH) || space < 0) {
    throw new TlogError(
      "NOTE_MALFORMED",
      `not a signature line ("— name signature"): ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  const name = line.slice(DASH.length, space);
  if (name.length === 0 || /[\s+]/u.test(name)) {
    throw new TlogError(
      "NOTE_MALFORMED",
      `a signature line names an invalid key: ${JSON.stringify(name.slice(0, 80))}`,
    );
  }
  const blob = fromBase64(line.slice(space + 1), "NOTE_MALFORMED", `the signature of ${name}`);
  if (blob.length < 5) {
    throw new TlogError("NOTE_MALFORMED", `the signature of ${name} is too short`);
  }
  return { line, name, keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
}

/** Splits a note into its text and signature lines (no verification); throws NOTE_MALFORMED. */
export function splitNote(note: string): { text: string; lines: string[] } {
  assertNoteText(note, "note");
  // The text is separated from the signatures by the note's last empty line.
  const blank = note.lastIndexOf("\n\n");
  if (blank < 0) {
    throw new TlogError("NOTE_MALFORMED", "a note needs an empty line before its signatures");
  }
  const text = note.slice(0, blank + 1);
  const block = note.slice(blank + 2);
  if (block.length === 0) {
    throw new TlogError("NOTE_MALFORMED", "a note needs at least one signature line");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new TlogError("NOTE_MALFORMED", `a note may carry at most ${MAX_NOTE_SIGNATURES} signatures`);
  }
  for (const line of lines) {
    parseSignatureLine(line);
  }
  return { text, lines };
}

/** Appends signature lines (with or without their newline, e.g. cosignatures) to a note, dropping exact duplicates. */
export function addSignatureLines(note: string, lines: readonly string[]): string {
  const { text, lines: existing } = splitNote(note);
  const all = [...existing];
  for (const raw of lines) {
    const line = raw.endsWith("\n") ? raw.slice(0, -1) : raw;
    if (line.includes("\n")) {
      throw new TlogError("NOTE_MALFORMED", "a signature line is one line");
    }
    parseSignatureLine(line);
    if (!all.includes(line)) {
      all.push(line);
    }
  }
  const result = `${text}\n${all.join("\n")}\n`;
  splitNote(result); // the limits still hold with the new lines
  return result;
}

const publicKeys = new WeakMap<Uint8Array, KeyObject>();

function publicKeyObject(key: NoteKey): KeyObject {
  let object = publicKeys.get(key.publicKey);
  if (object === undefined) {
    if (key.publicKey.length !== ED25519_SIZE) {
      throw new TlogError("KEY_MALFORMED", `the key ${key.name} is not a 32-byte Ed25519 key`);
    }
    object = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(key.publicKey).toString("base64url") },
      format: "jwk",
    });
    publicKeys.set(key.publicKey, object);
  }
  return object;
}

function verifyLine(key: NoteKey, text: string, parsed: SignatureLine): VerifiedLine | undefined {
  const { signature } = parsed;
  if (key.type === 0x01) {
    const ok =
      signature.length === SIGNATURE_SIZE && verify(null, encoder.encode(text), publicKeyObject(key), signature);
    return ok ? { key, line: parsed.line } : undefined;
  }
  if (signature.length !== 8 + SIGNATURE_SIZE) {
    return undefined;
  }
  const time = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) {
    return undefined;
  }
  const seconds = Number(time);
  const ok = verify(null, cosignatureMessage(text, seconds), publicKeyObject(key), signature.subarray(8));
  return ok ? { key, line: parsed.line, time: seconds } : undefined;
}

/** openNote with the verified lines and their cosignature times. */
export function openNoteLines(
  note: string,
  keys: readonly NoteKey[],
): { text: string; lines: string[]; verified: VerifiedLine[] } {
  const { text, lines } = splitNote(note);
  const verified: VerifiedLine[] = [];
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    const key = keys.find((k) => k.name === parsed.name && equalBytes(k.keyId, parsed.keyId));
    if (key === undefined) {
      continue; // unknown (name, ID): ignored, which is what lets witnesses add cosignatures
    }
    const result = verifyLine(key, text, parsed);
    if (result === undefined) {
      throw new TlogError("NOTE_BAD_SIGNATURE", `the signature of ${key.name} does not verify`);
    }
    if (!verified.some((v) => v.key === key)) {
      verified.push(result);
    }
  }
  if (verified.length === 0) {
    throw new TlogError("NOTE_UNVERIFIED", "no known key signed this note");
  }
  return { text, lines, verified };
}

/** signed-note rules: unknown (name, id) ignored; a known key whose signature fails -> throw; none verifies -> throw. */
export function openNote(note: string, keys: readonly NoteKey[]): OpenedNote {
  const { text, lines, verified } = openNoteLines(note, keys);
  return { text, lines, verifiedBy: verified.map((v) => v.key) };
}
