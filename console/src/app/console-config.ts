/**
 * What the gateway tells the console at GET /console/config.json: how to sign in, the grants a
 * person can sign in as (public: the catalogue is published as schema/access-policy.md) and the
 * regions' names. Checked here by hand, field by field, so that a gateway of another version fails
 * with a message instead of a blank page.
 */
export interface Purpose {
  code: string;
  description: string;
}

export interface Grant {
  agency: string | null;
  agencyName: string | null;
  role: string;
  /** Row policies as the catalogue names them ("nationwide", "sameRegion", "self", …). */
  rows: string[];
  scopes: string[];
  purposes: Purpose[];
  legalBasis: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  scope: string;
  redirectUri: string;
}

export interface Region {
  code: string;
  name: string;
}

export interface ConsoleConfig {
  login: "development" | "oidc";
  oidc: OidcConfig | null;
  grants: Grant[];
  regions: Region[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Json = Record<string, unknown>;

function record(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where} must be an object`);
  }
  return value as Json;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") {
    throw new ConfigError(`${where} must be a string`);
  }
  return value;
}

function nullableText(value: unknown, where: string): string | null {
  return value === null || value === undefined ? null : text(value, where);
}

function list<T>(value: unknown, where: string, item: (v: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(`${where} must be a list`);
  }
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

function purpose(value: unknown, where: string): Purpose {
  const p = record(value, where);
  return { code: text(p.code, `${where}.code`), description: text(p.description, `${where}.description`) };
}

function grant(value: unknown, where: string): Grant {
  const g = record(value, where);
  return {
    agency: nullableText(g.agency, `${where}.agency`),
    agencyName: nullableText(g.agencyName, `${where}.agencyName`),
    role: text(g.role, `${where}.role`),
    rows: list(g.rows, `${where}.rows`, text),
    scopes: list(g.scopes, `${where}.scopes`, text),
    purposes: list(g.purposes, `${where}.purposes`, purpose),
    legalBasis: text(g.legalBasis, `${where}.legalBasis`),
  };
}

function oidc(value: unknown): OidcConfig | null {
  if (value === null || value === undefined) {
    return null;
  }
  const o = record(value, "oidc");
  return {
    issuer: text(o.issuer, "oidc.issuer"),
    clientId: text(o.clientId, "oidc.clientId"),
    scope: text(o.scope, "oidc.scope"),
    redirectUri: text(o.redirectUri, "oidc.redirectUri"),
  };
}

export function parseConsoleConfig(value: unknown): ConsoleConfig {
  const c = record(value, "config");
  if (c.login !== "development" && c.login !== "oidc") {
    throw new ConfigError('login must be "development" or "oidc"');
  }
  const parsed: ConsoleConfig = {
    login: c.login,
    oidc: oidc(c.oidc),
    grants: list(c.grants, "grants", grant),
    regions: list(c.regions, "regions", (v, where) => {
      const r = record(v, where);
      return { code: text(r.code, `${where}.code`), name: text(r.name, `${where}.name`) };
    }),
  };
  if (parsed.login === "oidc" && !parsed.oidc) {
    throw new ConfigError("login is oidc but oidc is not configured");
  }
  return parsed;
}

export async function fetchConsoleConfig(signal?: AbortSignal): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { headers: { accept: "application/json" }, signal });
  if (!response.ok) {
    throw new ConfigError(`GET /console/config.json answered ${response.status}`);
  }
  return parseConsoleConfig(await response.json());
}

/** Whether a grant reads rows of the caller's region only: its token must then name a region. */
export function isRegional(grant: Grant): boolean {
  return grant.rows.some((row) => row === "sameRegion" || row === "region");
}

export function isCitizen(grant: Pick<Grant, "role">): boolean {
  return grant.role === "CITIZEN";
}

/** A stable key for a grant in forms and storage. */
export function grantKey(grant: Pick<Grant, "agency" | "role">): string {
  return `${grant.agency ?? "-"}:${grant.role}`;
}
