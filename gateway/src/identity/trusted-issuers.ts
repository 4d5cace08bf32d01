import type { Catalogue } from "@spx/runtime/access";
import { EnvError } from "@spx/runtime/config";
import { localKeySet } from "@spx/runtime/tokens";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import type { GatewayEnv } from "../env.js";
import { devIssuerKey } from "../keys.js";
import { type ClaimsMapping, IDENTITY_MAPPING } from "./claims-mapping.js";
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, type IssuerConfig, readIssuersFile } from "./issuers-file.js";

/** An identity provider whose tokens the gateway accepts, with the keys that open them and nobody else's. */
export interface TrustedIssuer {
  issuer: string;
  keys: JWTVerifyGetKey;
  audience: string;
  algorithms: readonly string[];
  /** Expected header `typ`; `null` skips the check. */
  tokenType: string | null;
  clockToleranceSeconds: number;
  claims: ClaimsMapping;
}

/** One issuer of the file, its JWKS fetched (and cached by jose) on first use. */
export function remoteIssuer(config: IssuerConfig): TrustedIssuer {
  return { ...config, keys: createRemoteJWKSet(new URL(config.jwksUri)) };
}

/**
 * The issuers the gateway trusts: those of GATEWAY_ISSUERS_FILE; or the one the single-issuer
 * settings (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS) describe, whose tokens use this
 * system's own claim names; or, with neither, the local development issuer (key under DATA_DIR).
 */
export async function trustedIssuers(
  env: GatewayEnv,
  catalogue: Catalogue,
): Promise<{ issuers: TrustedIssuer[]; development: boolean }> {
  if (env.issuersFile) {
    return { issuers: readIssuersFile(env.issuersFile, catalogue).map(remoteIssuer), development: false };
  }
  const single = {
    issuer: env.issuer,
    audience: env.audience,
    algorithms: env.algorithms,
    // The single-issuer settings never checked `typ`; the development issuer signs `JWT`.
    tokenType: null,
    clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
    claims: IDENTITY_MAPPING,
  };
  if (env.jwksUrl) {
    return { issuers: [{ ...single, keys: createRemoteJWKSet(new URL(env.jwksUrl)) }], development: false };
  }
  return { issuers: [{ ...single, keys: localKeySet([await devIssuerKey(env)]) }], development: true };
}

/**
 * Ends a start-up the issuers' configuration does not allow: one line per problem on stderr, no
 * stack trace, exit code 1. Anything else is not a configuration problem and is thrown on.
 */
export function refuseToStart(error: unknown): never {
  if (error instanceof EnvError) {
    process.stderr.write(`The gateway does not start:\n${error.issues.map((issue) => `  ${issue}\n`).join("")}`);
    process.exit(1);
  }
  throw error;
}
