import { type NoteKey, noteKeyFromJwk, parseVerifierKey, verifierKeyString } from "@spx/runtime/tlog";
import type { JWK } from "jose";

/** The public keys a checkpoint is checked with: the log's own, and each witness's. */
export interface AccessLogKeys {
  /** The checkpoints' origin line (also the log key's name). */
  origin: string;
  log: NoteKey;
  witnesses: { name: string; url: string; key: NoteKey }[];
}

/** JWK `use` of the log key: never `sig`, so that no token verifier ever picks it for a token. */
export const LOG_KEY_USE = "access-log";
export const WITNESS_KEY_USE = "witness";

/** A published JWK carries its C2SP verifier key too, so that note tools need no conversion. */
export type NoteJwk = JWK & { vkey: string };

function publicJwkOf(key: NoteKey, use: string): NoteJwk {
  return {
    kty: "OKP",
    crv: "Ed25519",
    x: Buffer.from(key.publicKey).toString("base64url"),
    use,
    kid: key.name,
    vkey: verifierKeyString(key),
  };
}

/** The log key and each witness key as public JWKs, for the gateway's JWKS. */
export function accessLogJwks(keys: AccessLogKeys): NoteJwk[] {
  return [
    publicJwkOf(keys.log, LOG_KEY_USE),
    ...keys.witnesses.map((witness) => publicJwkOf(witness.key, WITNESS_KEY_USE)),
  ];
}

/** What `/access-log/keys` answers. */
export function keysDocument(keys: AccessLogKeys) {
  return {
    origin: keys.origin,
    log: { name: keys.log.name, vkey: verifierKeyString(keys.log) },
    witnesses: keys.witnesses.map((w) => ({ name: w.name, vkey: verifierKeyString(w.key), url: w.url })),
  };
}

/** Read from a JWKS or from `/access-log/keys`: the log key and the witness keys, without URLs. */
export interface VerifierKeys {
  log: NoteKey;
  witnesses: NoteKey[];
}

/** A published key: its `vkey` must name the same key as its JWK members, when both are there. */
function noteKeyOf(jwk: Record<string, unknown>, type: 0x01 | 0x04): NoteKey {
  const name = typeof jwk.kid === "string" ? jwk.kid : undefined;
  const fromVkey = typeof jwk.vkey === "string" ? parseVerifierKey(jwk.vkey) : undefined;
  if (!name && !fromVkey) {
    throw new Error("a published access-log key has neither kid nor vkey");
  }
  if (typeof jwk.x !== "string") {
    if (!fromVkey) {
      throw new Error(`key ${name}: neither x nor vkey`);
    }
    return fromVkey;
  }
  const fromJwk = noteKeyFromJwk(name ?? fromVkey?.name ?? "", { kty: "OKP", crv: "Ed25519", x: jwk.x }, type);
  if (fromVkey && verifierKeyString(fromVkey) !== verifierKeyString(fromJwk)) {
    throw new Error(`key ${fromJwk.name}: its vkey and its JWK name different keys`);
  }
  return fromJwk;
}

/**
 * The access log's keys from a JWKS (`use` access-log / witness) or from `/access-log/keys`.
 * Throws when there is no log key, or more than one: which would sign is then unknown.
 */
export function verifierKeysOf(document: unknown): VerifierKeys {
  if (!document || typeof document !== "object") {
    throw new Error("not a JWKS nor an access-log keys document");
  }
  const record = document as Record<string, unknown>;
  if (Array.isArray(record.keys)) {
    const keys = record.keys.filter((k): k is Record<string, unknown> => Boolean(k) && typeof k === "object");
    const logs = keys.filter((k) => k.use === LOG_KEY_USE);
    if (logs.length !== 1) {
      throw new Error(`the JWKS lists ${logs.length} access-log keys (use "${LOG_KEY_USE}"), not one`);
    }
    return {
      log: noteKeyOf(logs[0] as Record<string, unknown>, 0x01),
      witnesses: keys.filter((k) => k.use === WITNESS_KEY_USE).map((k) => noteKeyOf(k, 0x04)),
    };
  }
  const log = record.log as { vkey?: unknown } | undefined;
  if (log && typeof log.vkey === "string" && Array.isArray(record.witnesses)) {
    return {
      log: parseVerifierKey(log.vkey),
      witnesses: record.witnesses.flatMap((w: { vkey?: unknown }) =>
        typeof w?.vkey === "string" ? [parseVerifierKey(w.vkey)] : [],
      ),
    };
  }
  throw new Error("not a JWKS nor an access-log keys document");
}
