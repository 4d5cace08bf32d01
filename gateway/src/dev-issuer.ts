import type { Caller } from "@spx/runtime/caller";
import { SIGNING_ALGORITHM, type SigningKey } from "@spx/runtime/keys";
import { SignJWT } from "jose";

/**
 * Mints a caller token the way an identity provider would. Development and tests only: production
 * gateways verify tokens from the real provider's JWKS_URL and never hold its keys.
 */
export async function mintToken(
  key: SigningKey,
  caller: Caller,
  options: { issuer: string; audience: string; ttlSeconds?: number; now?: number },
): Promise<string> {
  const { sub, ...claims } = caller;
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: "JWT" })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 3600))
    .sign(key.privateKey);
}
