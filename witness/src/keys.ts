import type { JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { refuseInProduction } from "@spx/runtime/config";
import { type NoteSigner, noteKeyFromJwk, noteSigner, verifierKeyString } from "@spx/runtime/tlog";
import { loadOrCreateSigningKey } from "@spx/runtime/tokens";
import type { TrustedLog, WitnessEnv } from "./env.js";

/** Development keys under DATA_DIR, the same files the gateway reads (its ACCESS_LOG_* defaults). */
export function devKeyFile(dataDir: string, name: "witness" | "access-log"): string {
  refuseInProduction("Development keys under DATA_DIR", "configure every key explicitly");
  return path.join(dataDir, "keys", `${name}.jwk`);
}

/** Read from the setting, or the development key (created by whichever of the gateway and the witness starts first). */
async function privateJwkOf(source: WitnessEnv["signingKey"], dataDir: string): Promise<JsonWebKey> {
  if (source) {
    const text = "json" in source ? source.json : readFileSync(source.file, "utf8");
    try {
      const jwk = JSON.parse(text) as JsonWebKey;
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.d !== "string" || typeof jwk.x !== "string") {
        throw new Error("not a private Ed25519 JWK");
      }
      return jwk;
    } catch {
      // The message never quotes the key: it is a secret.
      throw new Error("WITNESS_SIGNING_KEY[_FILE]: not a private Ed25519 JWK");
    }
  }
  const file = devKeyFile(dataDir, "witness");
  await loadOrCreateSigningKey(file);
  return JSON.parse(readFileSync(file, "utf8")) as JsonWebKey;
}

/** The witness's cosigning key (cosignature/v1, type 0x04) under its name. */
export async function witnessSigner(env: WitnessEnv): Promise<NoteSigner> {
  return noteSigner(env.name, await privateJwkOf(env.signingKey, env.dataDir), 0x04);
}

/**
 * The logs it vouches for: WITNESS_LOGS, or in development the local gateway's log with its
 * development key. Refused when a log would be verified with the witness's own key.
 */
export async function trustedLogs(env: WitnessEnv, signer: NoteSigner): Promise<TrustedLog[]> {
  const logs = env.logs ?? [await devLog(env)];
  for (const log of logs) {
    if (Buffer.from(log.key.publicKey).equals(Buffer.from(signer.publicKey))) {
      throw new Error(
        `WITNESS_LOGS: ${log.origin} is signed with the witness's own key; a witness needs a key of its own`,
      );
    }
  }
  return logs;
}

async function devLog(env: WitnessEnv): Promise<TrustedLog> {
  const file = devKeyFile(env.dataDir, "access-log");
  await loadOrCreateSigningKey(file);
  const { d: _secret, ...publicJwk } = JSON.parse(readFileSync(file, "utf8")) as JsonWebKey;
  return {
    origin: env.devLog.origin,
    key: noteKeyFromJwk(env.devLog.origin, publicJwk, 0x01),
    url: env.devLog.url,
  };
}

/** For start-up messages: what a log must list to trust this witness (`ACCESS_LOG_WITNESSES`). */
export function witnessVkey(signer: NoteSigner): string {
  return verifierKeyString(signer);
}
