import { createHash, KeyObject, randomBytes, sign, verify } from "node:crypto";
import { type CompactJWSHeaderParameters, type CryptoKey, errors, type JWTVerifyGetKey } from "jose";
import { listedCaller } from "../access/access-catalogue.js";
import type { Caller } from "../access/caller.js";
import { SIGNING_ALGORITHM, type SigningKey } from "./keys.js";

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
/** 16 random bytes, base64url: 128 bits, never repeated by chance. */
const JTI_BYTES = 16;
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
 * The gateway signs and every subgraph verifies one of these per subgraph call, so they are done
 * with node:crypto's one-shot Ed25519 on KeyObjects: jose goes through WebCrypto's asynchronous
 * jobs, which under load cost more than the signature itself. The token is an ordinary compact JWS
 * (EdDSA), which jose verifies as well (tested); keys still come from jose's key sets.
 */
const keyObjects = new WeakMap<object, KeyObject>();

function keyObjectOf(key: CryptoKey | Awaited<ReturnType<JWTVerifyGetKey>>): KeyObject {
  if ((key as unknown) instanceof KeyObject) {
    return key as unknown as KeyObject;
  }
  if (key instanceof Uint8Array || !("type" in key) || !("algorithm" in key)) {
    throw new InvalidTokenError("ERR_JWK_INVALID");
  }
  let object = keyObjects.get(key);
  if (!object) {
    object = KeyObject.from(key as CryptoKey);
    keyObjects.set(key, object);
  }
  return object;
}

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

/**
 * A token for one subgraph, one request and one document with its variables: replayed with
 * another document or other variables, or to another subgraph, it opens nothing.
 */
export async function signInternalToken(
  key: SigningKey,
  audience: string,
  { caller, requestId, request }: InternalClaims & { request: BoundRequest },
): Promise<string> {
  const { sub, ...claims } = caller;
  const now = Math.floor(Date.now() / 1000);
  const input = `${encode({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: INTERNAL_TYPE })}.${encode({
    ...claims,
    rid: requestId,
    qh: documentHash(request),
    iss: INTERNAL_ISSUER,
    aud: audience,
    sub,
    iat: now,
    exp: now + INTERNAL_TOKEN_SECONDS,
    jti: randomBytes(JTI_BYTES).toString("base64url"),
  })}`;
  return `${input}.${sign(null, Buffer.from(input), keyObjectOf(key.privateKey)).toString("base64url")}`;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
  }
}

const ED25519_SIGNATURE_BYTES = 64;

/** The checks jose's jwtVerify would make with this module's options, on a decoded token. */
function checkClaims(header: Record<string, unknown>, payload: Record<string, unknown>, audience: string): void {
  if (header.alg !== SIGNING_ALGORITHM) {
    throw new InvalidTokenError("ERR_JOSE_ALG_NOT_ALLOWED");
  }
  if (header.crit !== undefined || header.b64 !== undefined) {
    throw new InvalidTokenError("ERR_JOSE_NOT_SUPPORTED");
  }
  if (header.typ !== INTERNAL_TYPE) {
    throw new InvalidTokenError("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
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
 * Verifies a gateway-minted token for this subgraph and the document it arrived with; throws
 * InvalidTokenError on any defect.
 */
export async function verifyInternalToken(
  token: string,
  keys: JWTVerifyGetKey,
  audience: string,
  request: BoundRequest | undefined,
): Promise<VerifiedInternalToken> {
  try {
    const parts = token.split(".");
    if (parts.length !== 3) {
      throw new InvalidTokenError("ERR_JWS_INVALID");
    }
    const [encodedHeader = "", encodedPayload = "", signature = ""] = parts;
    const header = decode(encodedHeader);
    const payload = decode(encodedPayload);
    checkClaims(header, payload, audience);
    const key = keyObjectOf(
      await keys(header as CompactJWSHeaderParameters, {
        protected: encodedHeader,
        payload: encodedPayload,
        signature,
      }),
    );
    if (key.asymmetricKeyType !== "ed25519" || key.type !== "public") {
      throw new InvalidTokenError("ERR_JOSE_ALG_NOT_ALLOWED");
    }
    // Buffer's base64url decoding skips stray characters and the last character's spare bits, so
    // one signature has many spellings; only the canonical one is accepted.
    const signatureBytes = Buffer.from(signature, "base64url");
    if (signatureBytes.length !== ED25519_SIGNATURE_BYTES || signatureBytes.toString("base64url") !== signature) {
      throw new InvalidTokenError("ERR_JWS_INVALID");
    }
    if (!verify(null, Buffer.from(`${encodedHeader}.${encodedPayload}`), key, signatureBytes)) {
      throw new InvalidTokenError("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    }
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
    if (error instanceof errors.JOSEError) {
      throw new InvalidTokenError(error.code);
    }
    throw new InvalidTokenError("claims");
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(header ?? "");
  return match?.[1];
}
