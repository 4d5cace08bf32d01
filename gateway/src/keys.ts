import { readFileSync } from "node:fs";
import { importSigningKey, loadOrCreateSigningKey, localKeySet, type SigningKey } from "@spx/runtime/keys";
import { devKeyFiles } from "@spx/runtime/service";
import { createRemoteJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";
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

/** Keys that sign callers' tokens: the identity provider's JWKS, or the local development issuer. */
export async function callerKeys(env: GatewayEnv): Promise<{ keys: JWTVerifyGetKey; development: boolean }> {
  if (env.jwksUrl) {
    return { keys: createRemoteJWKSet(new URL(env.jwksUrl)), development: false };
  }
  return { keys: localKeySet([await devIssuerKey(env)]), development: true };
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
