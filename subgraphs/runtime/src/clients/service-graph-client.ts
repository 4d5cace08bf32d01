import type { ServiceClientSettings } from "../config/subgraph-env.js";
import type { Logger } from "../logging/logger.js";
import { type ClientAuthentication, clientCredentialsTokenSource, readClientKeyFile } from "./client-credentials.js";
import { devClientSecret, isDevClient } from "./dev-clients.js";
import { createGraphClient, type GraphClient } from "./graph-client.js";

/**
 * The graph as a service sees it: through the gateway, with a token for the service's own
 * identity from the identity provider's token endpoint (client credentials). In development that
 * endpoint is the gateway's /dev-issuer/token and the secret the one under DATA_DIR: one code path.
 */
export function serviceGraphClient(
  env: { gatewayUrl: string; dataDir: string; client: ServiceClientSettings; graphTimeoutMs?: number },
  logger?: Logger,
): GraphClient {
  return createGraphClient({
    url: () => env.gatewayUrl,
    timeoutMs: env.graphTimeoutMs,
    token: clientCredentialsTokenSource({
      tokenUrl: env.client.tokenUrl,
      client: clientAuthenticationOf(env),
      assertionAudience: env.client.assertionAudience,
      scope: env.client.scope,
      resource: env.client.resource,
      logger,
    }),
  });
}

function clientAuthenticationOf(env: { dataDir: string; client: ServiceClientSettings }): ClientAuthentication {
  const { clientId, keyFile, secret } = env.client;
  if (keyFile) {
    return { method: "private_key_jwt", clientId, privateJwk: readClientKeyFile(keyFile) };
  }
  if (secret) {
    return { method: "client_secret_basic", clientId, secret: () => secret };
  }
  if (!isDevClient(clientId)) {
    throw new Error(`${clientId} is no development client: set its client secret or key file`);
  }
  // Read when first asked, so that whichever of the gateway and the register starts first creates it.
  return { method: "client_secret_basic", clientId, secret: () => devClientSecret(env.dataDir, clientId) };
}
