import { type Catalogue, REGION_CODES, ROLES } from "@spx/runtime/access";
import { z } from "zod";

/** The claims a caller is made of (`callerSchema`), each filled from what an issuer emits. */
export const CALLER_CLAIMS = ["sub", "agency", "role", "region", "idcs", "purpose"] as const;
export type CallerClaim = (typeof CALLER_CLAIMS)[number];

/** A dot path into the token's payload: `azp`, `realm_access.roles`, `resource_access.spx-gateway.roles`. */
const CLAIM_PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;

const targetSchema = z.union([
  /** The same for every token of the issuer, e.g. the agency of an agency's own identity provider. */
  z.object({ value: z.string().min(1) }).strict(),
  z
    .object({
      claim: z.string().regex(CLAIM_PATH, "must be a dot path such as realm_access.roles"),
      /**
       * From the values the issuer emits to ours. Emitted values it does not name are ignored; for a
       * list (roles, groups, scope) the values it names decide, and must agree.
       */
      map: z.record(z.string(), z.string().min(1)).optional(),
    })
    .strict(),
]);

export const claimsMappingSchema = z
  .object({
    sub: targetSchema.optional(),
    agency: targetSchema.optional(),
    role: targetSchema.optional(),
    region: targetSchema.optional(),
    idcs: targetSchema.optional(),
    purpose: targetSchema.optional(),
  })
  .strict();

export type ClaimTarget = z.infer<typeof targetSchema>;
export type ClaimsMapping = z.infer<typeof claimsMappingSchema>;

/** This system's own claim names: what the development issuer and `npm run token` emit. */
export const IDENTITY_MAPPING: ClaimsMapping = Object.fromEntries(CALLER_CLAIMS.map((name) => [name, { claim: name }]));

/** Why a token's claims could not be mapped; names the target only, never a value (values may be personal). */
export class ClaimsMappingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function readPath(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const segment of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** OAuth's `scope` (and `scp`) is one string of space-separated values (RFC 6749 §3.3, RFC 8693 §4.2). */
const SPACE_SEPARATED = new Set(["scope", "scp"]);

function emittedValues(payload: Record<string, unknown>, path: string, target: CallerClaim): string[] {
  const value = readPath(payload, path);
  if (value === undefined || value === null) {
    return [];
  }
  if (Array.isArray(value)) {
    if (!value.every((item): item is string => typeof item === "string")) {
      throw new ClaimsMappingError(`${target}: ${path} is not a list of strings`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new ClaimsMappingError(`${target}: ${path} is not a string`);
  }
  const last = path.split(".").at(-1) ?? path;
  return SPACE_SEPARATED.has(last) ? value.split(/\s+/).filter(Boolean) : [value];
}

function mapTarget(payload: Record<string, unknown>, target: ClaimTarget, name: CallerClaim): string | undefined {
  if ("value" in target) {
    return target.value;
  }
  const emitted = emittedValues(payload, target.claim, name);
  const { map } = target;
  const ours = map
    ? emitted.filter((value) => Object.hasOwn(map, value)).map((value) => map[value] as string)
    : emitted;
  const distinct = [...new Set(ours)];
  if (distinct.length > 1) {
    // Two roles (or agencies) at once would be a guess whichever we took: refused.
    throw new ClaimsMappingError(`${name}: ambiguous (${target.claim} maps to ${distinct.length} values)`);
  }
  return distinct[0];
}

/**
 * The caller's claims out of a verified token's payload, by the issuer's mapping. `sub` is the
 * token's own `sub` unless mapped otherwise; a target the mapping leaves out stays unset. What
 * comes out is still to be checked by `callerSchema` and the catalogue.
 */
export function mapClaims(payload: Record<string, unknown>, mapping: ClaimsMapping): Record<CallerClaim, unknown> {
  const claims = {} as Record<CallerClaim, unknown>;
  for (const name of CALLER_CLAIMS) {
    const target = mapping[name] ?? (name === "sub" ? { claim: "sub" } : undefined);
    claims[name] = target ? mapTarget(payload, target, name) : undefined;
  }
  return claims;
}

/** The values a target can produce: its fixed value, or its map's. */
function producible(target: ClaimTarget | undefined): string[] {
  if (!target) {
    return [];
  }
  return "value" in target ? [target.value] : Object.values(target.map ?? {});
}

/**
 * What is wrong with a mapping, checked at start-up so that a mistyped role or agency is found by
 * the operator, not by the first caller: every value it can produce must be one the catalogue (or
 * the regions) knows.
 */
export function mappingProblems(mapping: ClaimsMapping, catalogue: Catalogue): string[] {
  const agencies = new Set(catalogue.agencies.map((agency) => agency.code));
  const known: Partial<Record<CallerClaim, { values: ReadonlySet<string>; what: string }>> = {
    agency: { values: agencies, what: "an agency of the catalogue" },
    role: { values: new Set<string>(ROLES), what: "a role" },
    region: { values: new Set<string>(REGION_CODES), what: "a region code" },
    purpose: { values: new Set(Object.keys(catalogue.purposes)), what: "a purpose of the catalogue" },
  };
  const problems: string[] = [];
  for (const name of CALLER_CLAIMS) {
    const check = known[name];
    for (const value of check ? producible(mapping[name]) : []) {
      if (!check?.values.has(value)) {
        problems.push(`claims.${name}: ${JSON.stringify(value)} is not ${check?.what}`);
      }
    }
  }
  for (const name of ["sub", "idcs"] as const) {
    const target = mapping[name];
    if (target && "value" in target) {
      // Every token of the issuer would be the same person.
      problems.push(`claims.${name}: must come from a claim, not a fixed value`);
    }
  }
  return problems;
}
