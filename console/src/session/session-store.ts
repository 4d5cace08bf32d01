/**
 * The signed-in session lives in sessionStorage (one tab, gone when it closes; never in
 * localStorage): the token, the purpose chosen at sign-in (sent as X-Purpose with every request)
 * and who the caller is, for the header and the landing page.
 */
export interface Caller {
  agency: string | null;
  agencyName: string | null;
  role: string;
  region: string | null;
  idcs: string | null;
  /** The grant's scopes, from the console's configuration: which pages to offer. */
  scopes: string[];
}

export interface Session {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  purpose: string;
  /** The purpose's description from the catalogue, shown beside its code. */
  purposeDescription: string;
  caller: Caller;
}

const KEY = "console.session";

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

function isSession(value: unknown): value is Session {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const s = value as Record<string, unknown>;
  const c = s.caller as Record<string, unknown> | null | undefined;
  return (
    typeof s.accessToken === "string" &&
    typeof s.expiresAt === "number" &&
    typeof s.purpose === "string" &&
    typeof s.purposeDescription === "string" &&
    typeof c === "object" &&
    c !== null &&
    typeof c.role === "string" &&
    isStringOrNull(c.agency) &&
    isStringOrNull(c.agencyName) &&
    isStringOrNull(c.region) &&
    isStringOrNull(c.idcs) &&
    Array.isArray(c.scopes) &&
    c.scopes.every((scope) => typeof scope === "string")
  );
}

/** The stored session, or null when there is none, it is malformed or it has expired. */
export function readSession(now: number = Date.now()): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  if (!isSession(parsed) || parsed.expiresAt <= now) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return parsed;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
