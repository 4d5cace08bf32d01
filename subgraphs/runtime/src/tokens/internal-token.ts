import { createHash, createHmac, type KeyObject, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { listedCaller } from "../access/access-catalogue.js";
import type { Caller } from "../access/caller.js";
import {
  deriveRegisterKey,
  type RegisterTokenKey,
  TOKEN_KEY_BYTES,
  TokenKeyring,
  tokenSecretKid,
} from "./token-keys.js";

/** Issuer and type of the tokens the gateway mints for subgraphs; nothing else may use them. */
export const INTERNAL_ISSUER = "spx-gateway";
const INTERNAL_TYPE = "spx-internal+jwt";
/**
 * Long enough for one subgraph call (the gateway signs just before sending), short enough that a
 * captured token is soon useless; within it, each token is accepted once (`jti`, replay-guard.ts).
 */
export const INTERNAL_TOKEN_SECONDS = 10;
/** Clock skew allowed between the gateway and a subgraph, on `exp`, `nbf` and the token's age. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** The longest a token is acceptable for after it was issued: what a replay guard must remember. */
export const INTERNAL_TOKEN_MAX_AGE_SECONDS = INTERNAL_TOKEN_SECONDS + CLOCK_TOLERANCE_SECONDS;
/*
 * A token's id is a random UUID: 122 random bits, never repeated by chance. node:crypto draws
 * UUIDs from a cached pool of entropy, 0.2 µs each against 3.6 µs for randomBytes(16) (a
 * synchronous entropy call per token; measured on this 2-core machine), which the gateway paid on
 * every subgraph fetch.
 */
const JTI_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface InternalClaims {
  caller: Caller;
  requestId: string;
}

/** What a verified token tells beside its claims: its id and until when it could be presented. */
export interface VerifiedInternalToken extends InternalClaims {
  jti: string;
  /** Epoch milliseconds after which the token is refused anyway (its `exp` plus the clock tolerance). */
  acceptableUntilMs: number;
}

/** What a token is bound to: the GraphQL document it was minted to carry, and its variables. */
export interface BoundRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
}

/**
 * The hash a token is bound to. Variables count: `_entities` carries the rows it asks for in
 * them. Both sides hash `JSON.stringify` of plain JSON values, which round-trips through the body.
 */
export function documentHash({ query, variables }: BoundRequest): string {
  return createHash("sha256")
    .update(query)
    .update("\n")
    .update(JSON.stringify(variables ?? {}))
    .digest("base64url");
}

/**
 * The gateway signs and every register verifies one of these per subgraph call, so they are an
 * HMAC-SHA256 under the register's own key (token-keys.ts): about 5 µs each way, against 48 µs to
 * sign and 132 µs to verify with Ed25519. The token is an ordinary compact JWS (HS256), which jose
 * verifies with the register's key as well (tested).
 */
const ALGORITHM = "HS256";
const HMAC_BYTES = 32;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function decode(part: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {}
  throw new InvalidTokenError("ERR_JWS_INVALID");
}

/** A register's key as the gateway signs with it, its header encoded once. */
interface RegisterSigner {
  key: KeyObject;
  encodedHeader: string;
}

/**
 * The gateway's side: the master secret, and each register's key derived from it once, on first
 * use. The master stays in a private field, out of any log or serialization of the signer.
 */
export class InternalTokenSigner {
  readonly kid: string;
  readonly #master: Buffer;
  readonly #registers = new Map<string, RegisterSigner>();

  constructor(master: Uint8Array) {
    if (master.length < TOKEN_KEY_BYTES) {
      throw new Error(`The token secret must hold at least ${TOKEN_KEY_BYTES} bytes`);
    }
    this.#master = Buffer.from(master);
    this.kid = tokenSecretKid(this.#master);
  }

  /** A signer under a new random secret (tests, and keys nothing else shares). */
  static generate(): InternalTokenSigner {
    return new InternalTokenSigner(randomBytes(TOKEN_KEY_BYTES));
  }

  /** The key `register` verifies this gateway's tokens with (what the token-key CLI prints). */
  registerKey(register: string): RegisterTokenKey {
    return deriveRegisterKey(this.#master, register);
  }

  /** The keys `register` is to be configured with for this secret alone. */
  keyringFor(register: string): TokenKeyring {
    return TokenKeyring.of([this.registerKey(register)]);
  }

  signerFor(register: string): RegisterSigner {
    let signer = this.#registers.get(register);
    if (!signer) {
      signer = {
        key: this.registerKey(register).key,
        encodedHeader: encode({ alg: ALGORITHM, kid: this.kid, typ: INTERNAL_TYPE }),
      };
      this.#registers.set(register, signer);
    }
    return signer;
  }

  toJSON(): { kid: string } {
    return { kid: this.kid };
  }
}

/**
 * A token for one subgraph, one request and one document with its variables: replayed with
 * another document or other variables, or to another subgraph, it opens nothing.
 */
export function signInternalToken(
  signer: InternalTokenSigner,
  audience: string,
  { caller, requestId, request }: InternalClaims & { request: BoundRequest },
): string {
  const { key, encodedHeader } = signer.signerFor(audience);
  const { sub, ...claims } = caller;
  const now = Math.floor(Date.now() / 1000);
  const input = `${encodedHeader}.${encode({
    ...claims,
    rid: requestId,
    qh: documentHash(request),
    iss: INTERNAL_ISSUER,
    aud: audience,
    sub,
    iat: now,
    exp: now + INTERNAL_TOKEN_SECONDS,
    jti: randomUUID(),
  })}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
  }
}

/** The header's checks: HS256 pinned (EdDSA, none or anything else refused) and this type only. */
function checkHeader(header: Record<string, unknown>): string {
  if (header.alg !== ALGORITHM) {
    throw new InvalidTokenError("ERR_JOSE_ALG_NOT_ALLOWED");
  }
  if (header.crit !== undefined || header.b64 !== undefined) {
    throw new InvalidTokenError("ERR_JOSE_NOT_SUPPORTED");
  }
  if (header.typ !== INTERNAL_TYPE) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
  if (typeof header.kid !== "string") {
    throw new InvalidTokenError("ERR_JWKS_NO_MATCHING_KEY");
  }
  return header.kid;
}

/** The checks jose's jwtVerify would make with this module's options, on a verified payload. */
function checkClaims(payload: Record<string, unknown>, audience: string): void {
  const now = Math.floor(Date.now() / 1000);
  const { iss, aud, exp, iat, sub, nbf } = payload;
  if (iss !== INTERNAL_ISSUER || typeof sub !== "string" || typeof iat !== "number") {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
  if (typeof payload.jti !== "string" || !JTI_PATTERN.test(payload.jti)) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
  // Checked here, not trusted from the signer: a token minted for longer, or long ago, is refused.
  if (
    typeof exp !== "number" ||
    exp <= now - CLOCK_TOLERANCE_SECONDS ||
    iat <= now - INTERNAL_TOKEN_MAX_AGE_SECONDS ||
    exp - iat > INTERNAL_TOKEN_SECONDS
  ) {
    throw new InvalidTokenError("ERR_JWT_EXPIRED");
  }
  if (iat > now + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_TOLERANCE_SECONDS)) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
}

/**
 * Verifies a gateway-minted token for this register (`audience`, whose keys `keys` holds) and the
 * document it arrived with; throws InvalidTokenError on any defect. The MAC is checked before the
 * payload is read: nothing a forger wrote is looked at beyond the header.
 */
export async function verifyInternalToken(
  token: string,
  keys: TokenKeyring,
  audience: string,
  request: BoundRequest | undefined,
): Promise<VerifiedInternalToken> {
  try {
    const parts = token.split(".");
    if (parts.length !== 3) {
      throw new InvalidTokenError("ERR_JWS_INVALID");
    }
    const [encodedHeader = "", encodedPayload = "", signature = ""] = parts;
    const key = keys.key(checkHeader(decode(encodedHeader)));
    if (!key) {
      // Not a key this register holds (another master's, or one it was never given).
      throw new InvalidTokenError("ERR_JWKS_NO_MATCHING_KEY");
    }
    // Buffer's base64url decoding skips stray characters and the last character's spare bits, so
    // one MAC has many spellings; only the canonical one is accepted.
    const mac = Buffer.from(signature, "base64url");
    if (mac.length !== HMAC_BYTES || mac.toString("base64url") !== signature) {
      throw new InvalidTokenError("ERR_JWS_INVALID");
    }
    const expected = createHmac("sha256", key).update(encodedHeader).update(".").update(encodedPayload).digest();
    if (!timingSafeEqual(mac, expected)) {
      throw new InvalidTokenError("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    }
    const payload = decode(encodedPayload);
    checkClaims(payload, audience);
    if (request === undefined || payload.qh !== documentHash(request)) {
      throw new InvalidTokenError("document");
    }
    return {
      caller: listedCaller(payload),
      requestId: typeof payload.rid === "string" ? payload.rid : "unknown",
      jti: payload.jti as string,
      acceptableUntilMs: ((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000,
    };
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw error;
    }
    throw new InvalidTokenError("claims");
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(header ?? "");
  return match?.[1];
}
