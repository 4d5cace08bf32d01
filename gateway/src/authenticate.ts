import type { IncomingMessage } from "node:http";
import { type Caller, callerFromClaims } from "@spx/runtime/caller";
import { UnauthenticatedError } from "@spx/runtime/errors";
import { bearerToken } from "@spx/runtime/internal-token";
import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";

export interface AuthenticationOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Accepted signature algorithms; never "none", never left to the token to choose. */
  algorithms: string[];
}

/** Tolerated clock skew between the identity provider and the gateway. */
export const CLOCK_TOLERANCE_SECONDS = 30;

export type Authenticate = (req: IncomingMessage) => Promise<Caller>;

/**
 * Verifies the caller's bearer JWT: signature against the JWKS with pinned algorithms, issuer,
 * audience, expiry (required), then the claims this system needs (agency, role, region, idcs).
 * Every failure is the same 401 to the client; the reason is returned for the log only.
 */
export function createAuthenticator(options: AuthenticationOptions, onReject: (reason: string) => void): Authenticate {
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      onReject("missing");
      throw new UnauthenticatedError("A bearer token is required");
    }
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        algorithms: options.algorithms,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ["exp", "iat", "sub"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return callerFromClaims(payload);
    } catch (error) {
      onReject(error instanceof errors.JOSEError ? error.code : "claims");
      throw new UnauthenticatedError("The bearer token is invalid or expired");
    }
  };
}
