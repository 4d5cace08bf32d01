import { createHash } from "node:crypto";
import { errors, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { type Caller, callerFromClaims } from "./caller.js";
import { SIGNING_ALGORITHM, type SigningKey } from "./keys.js";

/** Issuer and type of the tokens the gateway mints for subgraphs; nothing else may use them. */
export const INTERNAL_ISSUER = "spx-gateway";
const INTERNAL_TYPE = "spx-internal+jwt";
/** Long enough for one subgraph call, short enough that a leaked token is soon useless. */
const INTERNAL_TOKEN_SECONDS = 60;

export interface InternalClaims {
  caller: Caller;
  requestId: string;
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
 * A token for one subgraph, one request and one document with its variables: replayed with
 * another document or other variables, or to another subgraph, it opens nothing.
 */
export async function signInternalToken(
  key: SigningKey,
  audience: string,
  { caller, requestId, request }: InternalClaims & { request: BoundRequest },
): Promise<string> {
  const { sub, ...claims } = caller;
  return new SignJWT({ ...claims, rid: requestId, qh: documentHash(request) })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: INTERNAL_TYPE })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(audience)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${INTERNAL_TOKEN_SECONDS}s`)
    .sign(key.privateKey);
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
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
): Promise<InternalClaims> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [SIGNING_ALGORITHM],
      issuer: INTERNAL_ISSUER,
      audience,
      typ: INTERNAL_TYPE,
      requiredClaims: ["exp", "iat", "sub"],
      clockTolerance: 30,
    });
    if (request === undefined || payload.qh !== documentHash(request)) {
      throw new InvalidTokenError("document");
    }
    return {
      caller: callerFromClaims(payload),
      requestId: typeof payload.rid === "string" ? payload.rid : "unknown",
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
