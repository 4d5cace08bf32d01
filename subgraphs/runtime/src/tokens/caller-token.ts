import { SignJWT } from "jose";
import { committedCatalogue } from "../access/access-catalogue.js";
import type { Caller } from "../access/caller.js";
import { SIGNING_ALGORITHM, type SigningKey } from "./keys.js";

/** Issuer and audience of development tokens; the gateway expects the same by default. */
export const DEV_ISSUER = "urn:spx:dev-issuer";
export const DEFAULT_AUDIENCE = "spx-gateway";

/**
 * Mints a caller token the way an identity provider would: for the token CLI, for the development
 * token endpoint that gives the registers their own identity, and for tests. Production gateways
 * verify tokens from the real provider's keys, and nothing in production holds them. Lives as long
 * as the catalogue lets the caller's grant unless told otherwise.
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
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? committedCatalogue().maxTokenLifetimeSeconds(caller)))
    .sign(key.privateKey);
}

/**
 * A service's own token, minted again shortly before it expires: test wiring only (the in-process
 * system holds the issuer key); running registers ask a token endpoint (`client-credentials.ts`).
 */
export function serviceTokenSource(
  key: () => Promise<SigningKey>,
  caller: Caller,
  options: { issuer: string; audience: string },
): () => Promise<string> {
  const ttlSeconds = 300;
  let cached: { token: string; renewAt: number } | undefined;
  return async () => {
    if (!cached || Date.now() >= cached.renewAt) {
      const token = await mintToken(await key(), caller, { ...options, ttlSeconds });
      cached = { token, renewAt: Date.now() + (ttlSeconds - 60) * 1000 };
    }
    return cached.token;
  };
}
