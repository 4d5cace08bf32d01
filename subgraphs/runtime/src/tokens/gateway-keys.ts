import { devKeyFiles } from "./dev-keys.js";
import { loadOrCreateSecret } from "./keys.js";
import { deriveRegisterKey, parseTokenSecret, TokenKeyring, type TokenKeysSource } from "./token-keys.js";

/**
 * The gateway's token secret in development: DATA_DIR/keys/gateway-token.secret, created by
 * whichever process needs it first (refused in production, where it is configured).
 */
export function devTokenSecret(dataDir: string): Buffer {
  const file = devKeyFiles(dataDir).tokenSecret;
  return parseTokenSecret(loadOrCreateSecret(file), file);
}

/**
 * The keys a register accepts the gateway's tokens under: GATEWAY_TOKEN_KEYS or its file in
 * production; in development its own key, derived from the development secret under DATA_DIR.
 */
export function gatewayTokenKeys(
  env: { tokenKeys?: TokenKeysSource | undefined; dataDir: string },
  register: string,
): TokenKeyring {
  if (env.tokenKeys) {
    return TokenKeyring.from(env.tokenKeys);
  }
  return TokenKeyring.of([deriveRegisterKey(devTokenSecret(env.dataDir), register)]);
}
