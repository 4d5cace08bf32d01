import type { IncomingMessage } from "node:http";
import { type Caller, callerFromClaims } from "@spx/runtime/caller";
import { UnauthenticatedError } from "@spx/runtime/errors";
import { bearerToken } from "@spx/runtime/internal-token";
import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { MAX_TOKEN_CHARS, TokenTooLargeError } from "./edge/token-limit.js";

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
 * A caller sends the same token with every request for as long as it lives (an hour, typically),
 * so a verified token is remembered for a short while instead of being verified again: at most
 * VERIFIED_TOKEN_SECONDS, never past its own expiry. A key withdrawn from the JWKS stops opening
 * remembered tokens within that time. Bounded in entries and bytes: the least recently used go first.
 */
const VERIFIED_TOKEN_SECONDS = 60;
const VERIFIED_TOKENS_MAX = 10_000;
/** Tokens are as long as their issuer makes them (up to the 16 KiB of HTTP headers): bytes bound too. */
const VERIFIED_TOKENS_MAX_BYTES = 16 * 1024 * 1024;

interface Remembered {
  caller: Caller;
  untilMs: number;
}

/** A remembered token's heap: the token's text, the caller's claims, the entry itself. */
function rememberedBytes(entry: Remembered, token: string): number {
  return 2 * token.length + 2 * JSON.stringify(entry.caller).length + 128;
}

class VerifiedTokens {
  private readonly entries = new LRUCache<string, Remembered>({
    max: VERIFIED_TOKENS_MAX,
    maxSize: VERIFIED_TOKENS_MAX_BYTES,
    sizeCalculation: rememberedBytes,
  });

  get(token: string, nowMs: number): Caller | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.untilMs > nowMs) {
      return entry.caller;
    }
    if (entry) {
      this.entries.delete(token);
    }
    return undefined;
  }

  set(token: string, caller: Caller, expiresAtSeconds: number, nowMs: number): void {
    this.entries.set(token, {
      caller,
      untilMs: Math.min(nowMs + VERIFIED_TOKEN_SECONDS * 1000, expiresAtSeconds * 1000),
    });
  }
}

/**
 * Verifies the caller's bearer JWT: signature against the JWKS with pinned algorithms, issuer,
 * audience, expiry (required), then the claims this system needs (agency, role, region, idcs).
 * Every failure is the same 401 to the client; the reason is returned for the log only.
 */
export function createAuthenticator(options: AuthenticationOptions, onReject: (reason: string) => void): Authenticate {
  const verified = new VerifiedTokens();
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      onReject("missing");
      throw new UnauthenticatedError("A bearer token is required");
    }
    if (token.length > MAX_TOKEN_CHARS) {
      onReject("too long");
      throw new TokenTooLargeError();
    }
    const known = verified.get(token, Date.now());
    if (known) {
      return known;
    }
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        algorithms: options.algorithms,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ["exp", "iat", "sub"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const caller = callerFromClaims(payload);
      verified.set(token, caller, payload.exp ?? 0, Date.now());
      return caller;
    } catch (error) {
      onReject(error instanceof errors.JOSEError ? error.code : "claims");
      throw new UnauthenticatedError("The bearer token is invalid or expired");
    }
  };
}
