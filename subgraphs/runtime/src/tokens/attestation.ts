import { randomUUID } from "node:crypto";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { isUuid } from "../database/ids.js";
import { SIGNING_ALGORITHM, type SigningKey } from "./keys.js";

/**
 * Eligibility attestations: a signed yes/no that a person's household is eligible for a programme,
 * for agencies entitled to the answer and nothing more. Verifiable offline with the issuer's JWKS;
 * it never carries the index, the threshold or anything declared.
 */

/** The `typ` header of an attestation: no other token signed by the same keys can pass for one. */
export const ATTESTATION_TYPE = "spx-eligibility+jwt";

/** The social register, which issues every attestation. */
export const ATTESTATION_ISSUER = "urn:spx:social-registry";

/** The social register's programmes (its `Program` enum). */
export const ATTESTATION_PROGRAMS = ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"] as const;
export type AttestationProgram = (typeof ATTESTATION_PROGRAMS)[number];

const seconds = z.number().int().nonnegative();

/** The payload of an attestation, as signed and as accepted. */
export const attestationClaimsSchema = z
  .object({
    iss: z.string().min(1),
    /** The person's IDCS. */
    sub: z.string().regex(/^\d{10}$/, "must be an IDCS (10 digits)"),
    program: z.enum(ATTESTATION_PROGRAMS),
    eligible: z.boolean(),
    /** The index model the decision relied on; absent when the household has no index yet. */
    modelVersion: z.string().min(1).optional(),
    /** As of when the statement holds. */
    iat: seconds,
    exp: seconds,
    jti: z.string().refine(isUuid, "must be a UUID"),
    /** The agency the attestation was issued to. */
    aud: z.string().min(1).optional(),
  })
  .refine((claims) => claims.exp > claims.iat, { path: ["exp"], message: "must be after iat" });

export type AttestationClaims = z.infer<typeof attestationClaimsSchema>;

export interface EligibilityStatement {
  idcs: string;
  program: AttestationProgram;
  eligible: boolean;
  modelVersion?: string | undefined;
  asOf: Date;
  /** The requesting agency, bound as `aud`. */
  audience?: string | undefined;
}

/**
 * Signs a statement. `iat` is the as-of time and `exp` comes `ttlSeconds` after it. The claims are
 * checked against the schema the verifier applies, so nothing is signed that would not verify.
 */
export async function signAttestation(
  key: SigningKey,
  statement: EligibilityStatement,
  options: { issuer: string; ttlSeconds: number },
): Promise<{ jws: string; expiresAt: Date; keyId: string }> {
  const iat = Math.floor(statement.asOf.getTime() / 1000);
  const claims = attestationClaimsSchema.parse({
    iss: options.issuer,
    sub: statement.idcs,
    program: statement.program,
    eligible: statement.eligible,
    ...(statement.modelVersion ? { modelVersion: statement.modelVersion } : {}),
    iat,
    exp: iat + options.ttlSeconds,
    jti: randomUUID(),
    ...(statement.audience ? { aud: statement.audience } : {}),
  });
  const jws = await new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: ATTESTATION_TYPE })
    .sign(key.privateKey);
  return { jws, expiresAt: new Date(claims.exp * 1000), keyId: key.kid };
}

export type AttestationFailure =
  | "MALFORMED"
  | "WRONG_ALGORITHM"
  | "WRONG_TYPE"
  | "UNKNOWN_KEY"
  | "BAD_SIGNATURE"
  | "EXPIRED"
  | "WRONG_ISSUER"
  | "INVALID_CLAIMS"
  | "KEYS_UNAVAILABLE";

/** Why an attestation was refused; `code` is stable, the message says what was wrong. */
export class AttestationError extends Error {
  constructor(
    readonly code: AttestationFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AttestationError";
  }
}

function failureOf(error: unknown): AttestationError {
  if (error instanceof AttestationError) {
    return error;
  }
  const because = (code: AttestationFailure, message: string) => new AttestationError(code, message, { cause: error });
  if (error instanceof errors.JWTExpired) {
    return because("EXPIRED", "the attestation has expired");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "typ") {
      return because("WRONG_TYPE", `not an eligibility attestation (typ must be ${ATTESTATION_TYPE})`);
    }
    if (error.claim === "iss") {
      return because("WRONG_ISSUER", "issued by someone else");
    }
    return because("INVALID_CLAIMS", error.message);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return because("WRONG_ALGORITHM", `only ${SIGNING_ALGORITHM} is accepted`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return because("UNKNOWN_KEY", "no published key matches the attestation's kid");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return because("BAD_SIGNATURE", "the signature does not match: the attestation was altered or not issued here");
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return because("KEYS_UNAVAILABLE", `the key set could not be read: ${error.message}`);
  }
  if (error instanceof errors.JOSEError) {
    return because("MALFORMED", `not a well-formed attestation: ${error.message}`);
  }
  // Anything else comes from fetching or importing keys, before any signature was checked.
  return because("KEYS_UNAVAILABLE", `the key set could not be read: ${(error as Error)?.message ?? String(error)}`);
}

/**
 * Verifies an attestation against the issuer's public keys (a JWKS, or a key resolver such as
 * `createRemoteJWKSet`): EdDSA only, `typ` pinned, a `kid` required, `exp`, `iat` and `sub`
 * required, the claims checked for shape. Throws AttestationError on any failure.
 */
export async function verifyAttestation(
  jws: string,
  keys: JWTVerifyGetKey | JSONWebKeySet,
  options: { issuer?: string; now?: Date } = {},
): Promise<AttestationClaims> {
  try {
    const getKey = typeof keys === "function" ? keys : createLocalJWKSet(keys);
    const { payload, protectedHeader } = await jwtVerify(jws, getKey, {
      algorithms: [SIGNING_ALGORITHM],
      typ: ATTESTATION_TYPE,
      requiredClaims: ["exp", "iat", "sub"],
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.now ? { currentDate: options.now } : {}),
    });
    if (!protectedHeader.kid) {
      throw new AttestationError("UNKNOWN_KEY", "the attestation names no key (kid)");
    }
    const claims = attestationClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const problems = claims.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new AttestationError("INVALID_CLAIMS", `invalid claims: ${problems.join("; ")}`);
    }
    return claims.data;
  } catch (error) {
    throw failureOf(error);
  }
}
