import { REGIONS } from "@spx/reference/regions";
import type { Catalogue } from "@spx/runtime/access";
import type { RouteHandler } from "@spx/runtime/server";

/*
 * What the console needs to know before anyone signs in (`GET /console/config.json`): how to sign
 * in, and the grants a person may sign in as, with their purposes and legal basis, for the picker
 * and the purpose banner. Public: the same catalogue is published as schema/access-policy.md.
 */

/** The roles a person signs in as; SYSTEM and SERVICE are the registers' machines. */
export const SIGN_IN_ROLES = ["CASE_WORKER", "ANALYST", "AUDITOR", "CITIZEN"] as const;

/** The console's OpenID Connect client at the identity provider (production). */
export interface ConsoleOidc {
  issuer: string;
  clientId: string;
  scope: string;
  redirectUri: string;
}

export interface ConsoleGrant {
  agency: string | null;
  agencyName: string | null;
  role: string;
  /** The catalogue's row policies (`nationwide`, `sameRegion`, `self`, `ownPayments`). */
  rows: string[];
  scopes: string[];
  purposes: { code: string; description: string }[];
  legalBasis: string;
}

export interface ConsoleConfig {
  login: "development" | "oidc";
  oidc: ConsoleOidc | null;
  grants: ConsoleGrant[];
  regions: { code: string; name: string }[];
}

export function consoleConfig(catalogue: Catalogue, oidc: ConsoleOidc | undefined): ConsoleConfig {
  const agencies = new Map(catalogue.agencies.map((agency) => [agency.code, agency.name]));
  const grants = catalogue.grants
    .filter((grant) => (SIGN_IN_ROLES as readonly string[]).includes(grant.role))
    .map((grant) => ({
      agency: grant.agency,
      agencyName: grant.agency === null ? null : (agencies.get(grant.agency) ?? null),
      role: grant.role,
      rows: [...grant.policies],
      scopes: [...grant.scopes],
      purposes: grant.purposes.map((code) => ({ code, description: catalogue.purposes[code] ?? code })),
      legalBasis: grant.legalBasis,
    }));
  return {
    login: oidc ? "oidc" : "development",
    oidc: oidc ?? null,
    grants,
    regions: REGIONS.map((region) => ({ code: region.code, name: region.name })),
  };
}

export const CONSOLE_CONFIG_PATH = "/console/config.json";

/** `GET /console/config.json`: computed once (the catalogue does not change while the gateway runs). */
export function consoleConfigRoute(config: ConsoleConfig, headers: Record<string, string>): RouteHandler {
  const text = JSON.stringify(config);
  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, allow: "GET, HEAD", "content-length": 0 });
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-cache",
    });
    res.end(req.method === "HEAD" ? undefined : text);
  };
}
