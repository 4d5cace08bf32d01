import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { refuseInProduction } from "@spx/runtime/config";
import { type NoteSigner, noteKeyFromJwk, noteSigner } from "@spx/runtime/tlog";
import { devKeyFiles, loadOrCreateSigningKey, type SigningKey } from "@spx/runtime/tokens";
import type { JSONWebKeySet, JWK } from "jose";
import type { AccessLogWitness, GatewayEnv } from "./env.js";

/** The JWK type the note keys are made from. */
type NoteJwk = Parameters<typeof noteSigner>[1];

/** The development witness `npm start` runs (witness/), and the one the log submits to by default. */
export const DEV_WITNESS = { name: "witness.cndp.localhost", host: "127.0.0.1" };

/** Development keys of the access log and of the local witness, beside the other development keys. */
export function devAccessLogKeyFiles(dataDir: string) {
  refuseInProduction("Development keys under DATA_DIR", "configure every key explicitly");
  return {
    log: path.join(dataDir, "keys", "access-log.jwk"),
    witness: path.join(dataDir, "keys", "witness.jwk"),
  };
}

export function devIssuerKey(env: GatewayEnv): Promise<SigningKey> {
  return loadOrCreateSigningKey(devKeyFiles(env.dataDir).issuer);
}

/**
 * The social register's attestation keys, published in the gateway's JWKS so that anyone can
 * verify an attestation offline: ATTESTATION_JWKS in production, the development key otherwise.
 */
export async function attestationPublicKeys(env: GatewayEnv): Promise<JWK[]> {
  if (env.attestationJwks) {
    return (JSON.parse(env.attestationJwks) as JSONWebKeySet).keys;
  }
  return [(await loadOrCreateSigningKey(devKeyFiles(env.dataDir).attestation)).publicJwk];
}

function privateEd25519Jwk(text: string, setting: string): JWK {
  try {
    const jwk = JSON.parse(text) as JWK;
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && typeof jwk.d === "string" && typeof jwk.x === "string") {
      return jwk;
    }
  } catch {
    // The message below never quotes the key: it is a secret.
  }
  throw new Error(`${setting}: not a private Ed25519 JWK`);
}

/**
 * The access log's key, which signs its checkpoints: ACCESS_LOG_SIGNING_KEY_FILE or
 * ACCESS_LOG_SIGNING_KEY, the development key under DATA_DIR otherwise (refused in production).
 * Its own key, used for nothing else: one key's leak gives away nothing else.
 */
export async function accessLogSigner(
  env: Pick<GatewayEnv, "accessLogSigningKey" | "accessLogOrigin" | "dataDir">,
): Promise<NoteSigner> {
  const source = env.accessLogSigningKey;
  let jwk: JWK;
  if (source) {
    jwk = privateEd25519Jwk(
      "json" in source ? source.json : readFileSync(source.file, "utf8"),
      "ACCESS_LOG_SIGNING_KEY[_FILE]",
    );
  } else {
    const file = devAccessLogKeyFiles(env.dataDir).log;
    await loadOrCreateSigningKey(file);
    jwk = privateEd25519Jwk(readFileSync(file, "utf8"), file);
  }
  return noteSigner(env.accessLogOrigin, jwk as NoteJwk, 0x01);
}

/**
 * The local witness in development: its key is read from DATA_DIR/keys/witness.jwk, created there
 * when missing in the same race-safe way and format as the other development keys (written under
 * a name of its own, then linked into place), so that the witness service started beside the
 * gateway reads the same key. Synchronous, because the settings are.
 */
export function devWitnesses(dataDir: string, port: number): AccessLogWitness[] {
  const file = devAccessLogKeyFiles(dataDir).witness;
  const jwk = privateEd25519Jwk(readOrCreateKeyFile(file), file);
  const key = noteKeyFromJwk(DEV_WITNESS.name, { kty: "OKP", crv: "Ed25519", x: jwk.x } as NoteJwk, 0x04);
  return [{ name: DEV_WITNESS.name, url: `http://${DEV_WITNESS.host}:${port}`, key }];
}

function readOrCreateKeyFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  // RFC 7638 thumbprint, as jose computes a development key's kid.
  const kid = createHash("sha256")
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest("base64url");
  const contents = JSON.stringify({ ...jwk, kid, alg: "EdDSA", use: "sig" });
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(draft, contents, { mode: 0o600, flag: "wx" });
  try {
    linkSync(draft, file);
    return contents;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    return readFileSync(file, "utf8");
  } finally {
    unlinkSync(draft);
  }
}
