import { importSigningKey, loadOrCreateSigningKey, type SigningKey } from "@spx/runtime/keys";
import { devKeyFiles } from "@spx/runtime/service";
import type { JSONWebKeySet, JWK } from "jose";
import type { GatewayEnv } from "./env.js";

/** The gateway's signing key: GATEWAY_SIGNING_KEY (a private JWK) in production, a dev key otherwise. */
export async function gatewaySigningKey(env: GatewayEnv): Promise<SigningKey> {
  if (env.signingKey) {
    return importSigningKey(JSON.parse(env.signingKey) as JWK);
  }
  return loadOrCreateSigningKey(devKeyFiles(env.dataDir).gateway);
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
