/**
 * Reads a JWT's payload for display only (who is signed in, until when). The gateway verifies the
 * token on every request; nothing here is trusted for access decisions.
 */
export interface TokenClaims {
  sub: string | null;
  agency: string | null;
  role: string | null;
  region: string | null;
  idcs: string | null;
  purpose: string | null;
  /** Milliseconds since the epoch, from `exp`. */
  expiresAt: number | null;
}

function base64UrlDecode(segment: string): string {
  const base64 = segment
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(segment.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function stringClaim(payload: Record<string, unknown>, name: string): string | null {
  const value = payload[name];
  return typeof value === "string" && value !== "" ? value : null;
}

export function readTokenClaims(token: string): TokenClaims {
  const segment = token.split(".")[1];
  let payload: Record<string, unknown> = {};
  if (segment) {
    try {
      const parsed: unknown = JSON.parse(base64UrlDecode(segment));
      if (typeof parsed === "object" && parsed !== null) {
        payload = parsed as Record<string, unknown>;
      }
    } catch {
      // An opaque access token (some identity providers issue them): nothing to show from it.
    }
  }
  const exp = payload.exp;
  return {
    sub: stringClaim(payload, "sub"),
    agency: stringClaim(payload, "agency"),
    role: stringClaim(payload, "role"),
    region: stringClaim(payload, "region"),
    idcs: stringClaim(payload, "idcs"),
    purpose: stringClaim(payload, "purpose"),
    expiresAt: typeof exp === "number" ? exp * 1000 : null,
  };
}
