import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
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
 * starting at the same moment read the one that won the exclusive create.
 */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    return await importSigningKey(JSON.parse(readFileSync(file, "utf8")) as JWK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
  const { key, privateJwk } = await generateSigningKey();
  try {
    const fd = openSync(file, "wx", 0o600);
    writeSync(fd, JSON.stringify(privateJwk));
    closeSync(fd);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    return importSigningKey(JSON.parse(readFileSync(file, "utf8")) as JWK);
  }
}

export function jwksOf(keys: SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

export function localKeySet(keys: SigningKey[]): JWTVerifyGetKey {
  return createLocalJWKSet(jwksOf(keys));
}
