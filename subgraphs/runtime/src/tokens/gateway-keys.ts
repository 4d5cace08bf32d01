import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { devKeyFiles } from "./dev-keys.js";
import { loadOrCreateSigningKey, localKeySet } from "./keys.js";

/**
 * The gateway's public keys: fetched from its JWKS in production, read from the development key
 * under DATA_DIR otherwise.
 */
export async function gatewayKeySource(env: {
  gatewayJwksUrl?: string | undefined;
  dataDir: string;
}): Promise<JWTVerifyGetKey> {
  if (env.gatewayJwksUrl) {
    return createRemoteJWKSet(new URL(env.gatewayJwksUrl));
  }
  return localKeySet([await loadOrCreateSigningKey(devKeyFiles(env.dataDir).gateway)]);
}
