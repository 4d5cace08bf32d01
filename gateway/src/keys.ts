import { readFileSync } from "node:fs";
import { devKeyFiles, importSigningKey, loadOrCreateSigningKey, type SigningKey } from "@spx/runtime/tokens";
import type { JSONWebKeySet, JWK } from "jose";
import type { GatewayEnv } from "./env.js";

/**
 * The gateway's signing key: GATEWAY_SIGNING_KEY_FILE or GATEWAY_SIGNING_KEY (a private JWK), a
 * development key under DATA_DIR otherwise (refused in production, where it is never generated).
 */
export async function gatewaySigningKey(env: GatewayEnv): Promise<SigningKey> {
  if (env.signingKeyFile) {
    return importSigningKey(JSON.parse(readFileSync(env.signingKeyFile, "utf8")) as JWK);
  }
  if (env.signingKey) {
    return importSigningKey(JSON.parse(env.signingKey) as JWK);
  }
  return loadOrCreateSigningKey(devKeyFiles(env.dataDir).gateway);
}

/**
 * The public part of the key that will sign next, to publish beside the current one; none unless
 * configured. It is imported (so a key that could not sign is refused at start, not at rotation)
 * and must differ from the current key: subgraphs pick a key by `kid`.
 */
export async function nextSigningPublicKeys(
  env: Pick<GatewayEnv, "nextSigningKey">,
  current: SigningKey,
): Promise<JWK[]> {
  const source = env.nextSigningKey;
  if (!source) {
    return [];
  }
  const text = "json" in source ? source.json : readFileSync(source.file, "utf8");
  let next: SigningKey;
  try {
    const jwk = JSON.parse(text) as JWK;
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.d !== "string") {
      throw new Error("not a private Ed25519 JWK");
    }
    next = await importSigningKey(jwk);
  } catch {
    // The message never quotes the key: it is a secret.
    throw new Error("GATEWAY_NEXT_SIGNING_KEY[_FILE]: not a private Ed25519 JWK");
  }
  if (next.kid === current.kid) {
    throw new Error("GATEWAY_NEXT_SIGNING_KEY[_FILE]: the same key (kid) as the current signing key");
  }
  return [next.publicJwk];
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
