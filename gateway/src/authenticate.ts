import type { IncomingMessage } from "node:http";
import { type Caller, type CatalogueIndex, committedCatalogue, UnlistedAgencyError } from "@spx/runtime/access";
import { DomainError, UnauthenticatedError } from "@spx/runtime/errors";
import { bearerToken } from "@spx/runtime/tokens";
import { decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { ZodError } from "zod";
import { MAX_TOKEN_CHARS, TokenTooLargeError } from "./edge/token-limit.js";
import { ClaimsMappingError, IDENTITY_MAPPING, mapClaims } from "./identity/claims-mapping.js";
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from "./identity/issuers-file.js";
import type { TrustedIssuer } from "./identity/trusted-issuers.js";

/** One issuer whose tokens use this system's own claim names (the single-issuer settings). */
export interface SingleIssuerOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Accepted signature algorithms; never "none", never left to the token to choose. */
  algorithms: string[];
}

export interface TrustedIssuersOptions {
  issuers: readonly TrustedIssuer[];
  /** The catalogue callers are checked against; the committed one unless a test says otherwise. */
  catalogue?: CatalogueIndex;
}

export type AuthenticationOptions = SingleIssuerOptions | TrustedIssuersOptions;

/** Tolerated clock skew between the identity provider and the gateway, unless the issuer sets its own. */
export const CLOCK_TOLERANCE_SECONDS = DEFAULT_CLOCK_TOLERANCE_SECONDS;

/**
 * A token that verifies and names a well-formed caller whose (agency, role) the catalogue grants
 * nothing: the identity is known, so not 401, but it may do nothing here. Refused before anything
 * is planned, whatever the request.
 */
export class NoGrantError extends DomainError {
  constructor() {
    super("NO_GRANT", "The caller's agency and role hold no grant of the agency catalogue", {
      http: { status: 403 },
    });
  }
}

/** Why a token is refused, for the log only: never a token, never a claim's value. */
class Refusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

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

function issuersOf(options: AuthenticationOptions): readonly TrustedIssuer[] {
  if ("issuers" in options) {
    return options.issuers;
  }
  return [
    {
      ...options,
      tokenType: null,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      claims: IDENTITY_MAPPING,
    },
  ];
}

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

/** The issuer the token says it comes from, read before verifying so as to pick that issuer's keys alone. */
function claimedIssuer(token: string): string {
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new Refusal("malformed");
  }
  if (typeof payload.iss !== "string") {
    throw new Refusal("no issuer");
  }
  return payload.iss;
}

/**
 * The time claims jose leaves to us: `iat` must not be in the future (beyond the issuer's
 * tolerance), and the token may not live longer than its grant allows, so that a long-lived token
 * (a leak waiting to happen) is refused however validly signed.
 */
function checkLifetime(payload: JWTPayload, trusted: TrustedIssuer, maxLifetimeSeconds: number, nowMs: number): void {
  const iat = payload.iat ?? 0;
  const exp = payload.exp ?? 0;
  if (iat > nowMs / 1000 + trusted.clockToleranceSeconds) {
    throw new Refusal("issued in the future");
  }
  if (exp - iat > maxLifetimeSeconds) {
    throw new Refusal(`lifetime over ${maxLifetimeSeconds} s`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Refusal) {
    return error.reason;
  }
  if (error instanceof ClaimsMappingError) {
    return `claims: ${error.reason}`;
  }
  if (error instanceof UnlistedAgencyError) {
    return "unlisted agency";
  }
  if (error instanceof ZodError) {
    // Which claims, not what they said.
    return `claims: ${[...new Set(error.issues.map((issue) => issue.path.join(".") || "(root)"))].join(", ")}`;
  }
  return error instanceof errors.JOSEError ? error.code : "claims";
}

/**
 * Verifies the caller's bearer JWT with the issuer its `iss` names, and that issuer's keys only:
 * signature with pinned algorithms, `typ`, audience, expiry and issue time (required), lifetime;
 * then maps its claims to a caller (agency, role, region, idcs, purpose) by the issuer's mapping,
 * checked by `callerSchema` and the catalogue. Every failure is the same 401 to the client, but a
 * caller the catalogue grants nothing (403 NO_GRANT); the reason is passed to `onReject` for the
 * log only.
 */
export function createAuthenticator(options: AuthenticationOptions, onReject: (reason: string) => void): Authenticate {
  const byIssuer = new Map(issuersOf(options).map((trusted) => [trusted.issuer, trusted]));
  const catalogue = ("catalogue" in options ? options.catalogue : undefined) ?? committedCatalogue();
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
    let caller: Caller;
    let payload: JWTPayload;
    try {
      const trusted = byIssuer.get(claimedIssuer(token));
      if (!trusted) {
        throw new Refusal("unknown issuer");
      }
      ({ payload } = await jwtVerify(token, trusted.keys, {
        algorithms: [...trusted.algorithms],
        issuer: trusted.issuer,
        audience: trusted.audience,
        ...(trusted.tokenType ? { typ: trusted.tokenType } : {}),
        requiredClaims: ["exp", "iat"],
        clockTolerance: trusted.clockToleranceSeconds,
      }));
      caller = catalogue.callerOf(mapClaims(payload, trusted.claims));
      checkLifetime(payload, trusted, catalogue.maxTokenLifetimeSeconds(caller), Date.now());
    } catch (error) {
      onReject(reasonOf(error));
      throw new UnauthenticatedError("The bearer token is invalid or expired");
    }
    if (!catalogue.isGranted(caller)) {
      onReject("no grant");
      throw new NoGrantError();
    }
    verified.set(token, caller, payload.exp ?? 0, Date.now());
    return caller;
  };
}
