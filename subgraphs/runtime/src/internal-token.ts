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

export async function signInternalToken(
  key: SigningKey,
  audience: string,
  { caller, requestId }: InternalClaims,
): Promise<string> {
  const { sub, ...claims } = caller;
  return new SignJWT({ ...claims, rid: requestId })
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

/** Verifies a gateway-minted token for this subgraph; throws InvalidTokenError on any defect. */
export async function verifyInternalToken(
  token: string,
  keys: JWTVerifyGetKey,
  audience: string,
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
    return {
      caller: callerFromClaims(payload),
      requestId: typeof payload.rid === "string" ? payload.rid : "unknown",
    };
  } catch (error) {
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
