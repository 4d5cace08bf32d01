import { randomBytes, randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { refuseInProduction } from "../config/production.js";

/** Every key in this system is Ed25519: one algorithm, pinned on both sides. */
export const SIGNING_ALGORITHM = "EdDSA";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function generateSigningKey(): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" };
  return {
    key: { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: "sig" } },
    privateJwk,
  };
}

export async function importSigningKey(privateJwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK({ ...privateJwk, alg: SIGNING_ALGORITHM }, SIGNING_ALGORITHM)) as CryptoKey;
  const { d: _secret, ...publicJwk } = privateJwk;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: "sig" } };
}

/**
 * Development keys live under DATA_DIR. The first process to need a key creates it; processes
 * starting at the same moment read the one that won. A key file appears whole or not at all: it is
 * written under a name of its own and then linked into place, which fails if another process's
 * key is already there (an exclusive create alone let a reader see the winner's empty file).
 */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  refuseInProduction(`The development key ${path.basename(file)}`, "configure the key explicitly");
  const existing = readKeyFile(file);
  if (existing) {
    return importSigningKey(existing);
  }
  const { key, privateJwk } = await generateSigningKey();
  return writeOnce(file, JSON.stringify(privateJwk)) ? key : importSigningKey(readKeyFile(file) as JWK);
}

/**
 * A development secret under DATA_DIR (e.g. a development client's), created by whichever process
 * needs it first, in the same race-safe way as the development keys.
 */
export function loadOrCreateSecret(file: string): string {
  refuseInProduction(`The development secret ${path.basename(file)}`, "configure the secret explicitly");
  const existing = readTextFile(file);
  if (existing) {
    return existing;
  }
  const secret = randomBytes(32).toString("base64url");
  return writeOnce(file, secret) ? secret : (readTextFile(file) as string);
}

/** Writes `contents` to `file` unless it exists; false when another process's file won. */
function writeOnce(file: string, contents: string): boolean {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(draft, contents, { mode: 0o600, flag: "wx" });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    return false;
  } finally {
    unlinkSync(draft);
  }
}

function readTextFile(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
}

function readKeyFile(file: string): JWK | undefined {
  const text = readTextFile(file);
  return text === undefined ? undefined : (JSON.parse(text) as JWK);
}

export function jwksOf(keys: SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

export function localKeySet(keys: SigningKey[]): JWTVerifyGetKey {
  return createLocalJWKSet(jwksOf(keys));
}
