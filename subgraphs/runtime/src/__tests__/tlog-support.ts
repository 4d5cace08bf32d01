import { generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { noteSigner, TlogError } from "../tlog/index.js";

/** A fresh Ed25519 key as a note signer (0x01) or cosigner (0x04), with its JWKs. */
export function newKey(name: string, type: 0x01 | 0x04 = 0x01) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as JsonWebKey;
  return { signer: noteSigner(name, jwk, type), jwk, publicJwk: publicKey.export({ format: "jwk" }) as JsonWebKey };
}

export const signer = (name: string, type: 0x01 | 0x04 = 0x01) => newKey(name, type).signer;

/** The TlogError code `fn` throws, "OK" if it returns; any other error is rethrown. */
export function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TlogError) {
      return error.code;
    }
    throw error;
  }
  return "OK";
}
