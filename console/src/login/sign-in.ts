import type { Grant } from "../app/console-config.js";
import type { Session } from "../session/session-store.js";
import { readTokenClaims } from "../session/token-claims.js";

/** What the person chose on the sign-in page. */
export interface SignInChoice {
  grant: Grant;
  purpose: string;
  region?: string;
  idcs?: string;
}

export class SignInError extends Error {
  override name = "SignInError";
}

/** The session for a token, with the caller as the token names it (and the chosen grant otherwise). */
export function sessionFor(
  accessToken: string,
  expiresAt: number,
  choice: Pick<SignInChoice, "grant" | "purpose" | "region" | "idcs">,
): Session {
  const claims = readTokenClaims(accessToken);
  const { grant, purpose } = choice;
  return {
    accessToken,
    expiresAt: Math.min(expiresAt, claims.expiresAt ?? Number.POSITIVE_INFINITY),
    purpose,
    purposeDescription: grant.purposes.find((p) => p.code === purpose)?.description ?? "",
    caller: {
      agency: claims.agency ?? grant.agency,
      agencyName: grant.agencyName,
      role: claims.role ?? grant.role,
      region: claims.region ?? choice.region ?? null,
      idcs: claims.idcs ?? choice.idcs ?? null,
      scopes: grant.scopes,
    },
  };
}

/** Development only: a token from the gateway's local issuer for the chosen grant. */
export async function devSignIn(choice: SignInChoice): Promise<Session> {
  const response = await fetch("/dev-issuer/console-token", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      ...(choice.grant.agency ? { agency: choice.grant.agency } : {}),
      role: choice.grant.role,
      ...(choice.region ? { region: choice.region } : {}),
      ...(choice.idcs ? { idcs: choice.idcs } : {}),
      purpose: choice.purpose,
    }),
  });
  const body: unknown = await response.json().catch(() => null);
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (!response.ok) {
    const description = typeof fields.error_description === "string" ? fields.error_description : null;
    throw new SignInError(description ?? `POST /dev-issuer/console-token answered ${response.status}`);
  }
  if (typeof fields.access_token !== "string" || typeof fields.expires_in !== "number") {
    throw new SignInError("the development issuer answered without a token");
  }
  return sessionFor(fields.access_token, Date.now() + fields.expires_in * 1000, choice);
}

/*
 * With OpenID Connect the grant chosen here is kept across the redirect to the identity provider:
 * the token names the caller in the provider's own claims, which only the gateway maps.
 */
const PENDING = "console.pendingGrant";

export function rememberPendingGrant(choice: Pick<SignInChoice, "grant" | "purpose">): void {
  sessionStorage.setItem(PENDING, JSON.stringify(choice));
}

export function takePendingGrant(): Pick<SignInChoice, "grant" | "purpose"> | null {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!raw) {
    return null;
  }
  try {
    return JSON.parse(raw) as Pick<SignInChoice, "grant" | "purpose">;
  } catch {
    return null;
  }
}
