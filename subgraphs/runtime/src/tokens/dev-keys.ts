import path from "node:path";
import { refuseInProduction } from "../config/production.js";

/** Where development keys live under DATA_DIR; the gateway and the subgraphs agree on it. */
export function devKeyFiles(dataDir: string) {
  refuseInProduction("Development keys under DATA_DIR", "configure every key explicitly");
  return {
    issuer: path.join(dataDir, "keys", "dev-issuer.jwk"),
    /** The gateway's master secret of its tokens to the registers (token-keys.ts). */
    tokenSecret: path.join(dataDir, "keys", "gateway-token.secret"),
    attestation: path.join(dataDir, "keys", "attestation.jwk"),
    /** The secret of a client of the development token endpoint. */
    clientSecret: (clientId: string) => path.join(dataDir, "keys", `client-${clientId}.secret`),
  };
}
