import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { POLICY_NAMES, type Policy, SCOPE_NAMES, type Scope } from "./access-vocabulary.js";
import { AGENCIES, type Agency, type Caller, ROLES, type Role } from "./caller.js";
import { DomainError } from "./errors.js";

/**
 * The agency catalogue is part of the contract (`schema/agency-catalogue.json`), reviewed like code
 * and shipped with it: it is deliberately not configurable at run time, so that what a
 * data-protection officer reviewed is what runs.
 */
export const CATALOGUE_PATH = fileURLToPath(new URL("../../../schema/agency-catalogue.json", import.meta.url));

const count = z.number().int().positive();

/**
 * What the gateway's edge allows one request: operation limits (counted after fragment expansion),
 * the demand-control budget, whether documents must be registered (trusted documents), and rate
 * limits. The catalogue sets defaults for every grant; a grant may override any of them.
 */
const operationLimitsSchema = z
  .object({
    /** Nesting of fields, root fields at depth 1. */
    depth: count,
    /** Aliased fields, `__typename` included. */
    aliases: count,
    /** Fields at the root of the operation. */
    rootFields: count,
    /** Field selections after fragment expansion. */
    selections: count,
    /** Parser tokens of the whole document. */
    tokens: count,
    /** Directives on one location (field, fragment, operation). */
    directivesPerLocation: count,
    /** UTF-8 bytes of the document text. */
    documentBytes: count,
  })
  .strict();

const rateSchema = z
  .object({
    /** Requests per second, sustained. */
    perSecond: count,
    /**
     * The most requests accepted within one second after a quiet spell: the part above `perSecond`
     * may be used once per 10 seconds (the gateway's burst window).
     */
    burst: count,
  })
  .strict();

const rateLimitsSchema = z
  .object({
    /** Requests per second for the whole (agency, role) pair, every official together. */
    grant: rateSchema,
    /** Requests per second for one subject (an official, a system, a citizen). */
    subject: rateSchema,
    /**
     * Distinct persons whose data one subject may be served in an hour, counted from the first
     * person served; the request that reaches the limit is still answered, the next ones are refused
     * until the hour is over.
     */
    personsPerHour: count,
  })
  .strict();

const edgeSchema = z
  .object({
    limits: operationLimitsSchema,
    /** Largest estimated cost (Federation `@cost`/`@listSize` weights) of one operation. */
    costBudget: count,
    /**
     * `required`: only registered documents (by id) are served. `optional`: free-form documents
     * too. Unset on a grant: required in production for SYSTEM and SERVICE grants.
     */
    trustedDocuments: z.enum(["required", "optional"]),
    rateLimits: rateLimitsSchema,
  })
  .strict();

const edgeOverrideSchema = z
  .object({
    limits: operationLimitsSchema.partial().optional(),
    costBudget: count.optional(),
    trustedDocuments: z.enum(["required", "optional"]).optional(),
    rateLimits: z
      .object({
        grant: rateSchema.optional(),
        subject: rateSchema.optional(),
        personsPerHour: count.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const grantSchema = z.object({
  agency: z.enum(Object.keys(AGENCIES) as [Agency, ...Agency[]]).nullable(),
  role: z.enum(ROLES),
  scopes: z.array(z.enum(SCOPE_NAMES)),
  policies: z.array(z.enum(POLICY_NAMES)),
  legalBasis: z.string().min(1),
  purpose: z.string().min(1),
  /** The purposes a request under this grant may state; at least one. */
  purposes: z.array(z.string()).min(1),
  /** Overrides of the catalogue's edge defaults for this grant. */
  edge: edgeOverrideSchema.optional(),
});

const PURPOSE_NAME = /^[A-Z][A-Z0-9_]{1,63}$/;

const catalogueSchema = z
  .object({
    purposes: z.record(z.string().regex(PURPOSE_NAME), z.string().min(1)),
    /** Edge defaults for every grant (`trustedDocuments` here applies outside production only). */
    edge: edgeSchema,
    grants: z.array(grantSchema),
    publicFields: z.array(
      z.object({ field: z.string().regex(/^[A-Za-z_]\w*\.(\*|[A-Za-z_]\w*)$/), reason: z.string() }),
    ),
  })
  .superRefine((catalogue, ctx) => {
    const seen = new Set<string>();
    for (const [index, grant] of catalogue.grants.entries()) {
      const key = grantKey(grant.agency, grant.role);
      if (seen.has(key)) {
        ctx.addIssue({ code: "custom", path: ["grants", index], message: `${key} is granted twice` });
      }
      seen.add(key);
      for (const purpose of grant.purposes) {
        if (!(purpose in catalogue.purposes)) {
          ctx.addIssue({ code: "custom", path: ["grants", index], message: `${key}: unknown purpose ${purpose}` });
        }
      }
    }
  });

export type Grant = z.infer<typeof grantSchema>;
export type Catalogue = z.infer<typeof catalogueSchema>;
export type OperationLimits = z.infer<typeof operationLimitsSchema>;
export type OperationLimit = keyof OperationLimits;
export type RateLimits = z.infer<typeof rateLimitsSchema>;

/** A grant's edge settings, its overrides applied over the catalogue's defaults. */
export interface EdgePolicy {
  limits: Readonly<OperationLimits>;
  costBudget: number;
  /** What the grant states; `undefined` lets the deployment decide (see `trustedOnly`). */
  trustedDocuments: "required" | "optional" | undefined;
  rateLimits: Readonly<RateLimits>;
}

/** What one caller may read: the union of nothing and its grant. */
export interface Access {
  /** `AGENCY/ROLE`, or `CITIZEN`: the key policy decisions are cached under. */
  key: string;
  scopes: ReadonlySet<Scope>;
  policies: ReadonlySet<Policy>;
  /** The purposes a request under this grant may state. */
  purposes: ReadonlySet<string>;
  /** The role the grant is for (a pair the catalogue does not name keeps its role). */
  role: Role;
  edge: EdgePolicy;
}

/** Citizens are one grant whatever agency, if any, their token names. */
export function grantKey(agency: Agency | null | undefined, role: Role): string {
  return role === "CITIZEN" ? "CITIZEN" : `${agency ?? "-"}/${role}`;
}

export function parseCatalogue(text: string): Catalogue {
  return catalogueSchema.parse(JSON.parse(text));
}

let loaded: { catalogue: Catalogue; byKey: Map<string, Access> } | undefined;

/** The catalogue's edge defaults with one grant's overrides applied. */
export function edgePolicyOf(catalogue: Catalogue, grant: Grant | undefined): EdgePolicy {
  const defaults = catalogue.edge;
  const override = grant?.edge;
  return {
    limits: { ...defaults.limits, ...override?.limits },
    costBudget: override?.costBudget ?? defaults.costBudget,
    trustedDocuments: override?.trustedDocuments,
    rateLimits: { ...defaults.rateLimits, ...override?.rateLimits },
  };
}

/**
 * Whether a grant is served registered documents only. A grant that says so decides; otherwise
 * systems and services (machines, whose documents are known in advance) are trusted-only in
 * production, and the catalogue's default applies elsewhere.
 */
export function trustedOnly(access: Pick<Access, "role" | "edge">, production: boolean): boolean {
  const stated = access.edge.trustedDocuments;
  if (stated) {
    return stated === "required";
  }
  if (production && (access.role === "SYSTEM" || access.role === "SERVICE")) {
    return true;
  }
  return catalogue().edge.trustedDocuments === "required";
}

function load() {
  if (!loaded) {
    const catalogue = parseCatalogue(readFileSync(CATALOGUE_PATH, "utf8"));
    const byKey = new Map<string, Access>();
    for (const grant of catalogue.grants) {
      const key = grantKey(grant.agency, grant.role);
      byKey.set(key, {
        key,
        scopes: new Set(grant.scopes),
        policies: new Set(grant.policies),
        purposes: new Set(grant.purposes),
        role: grant.role,
        edge: edgePolicyOf(catalogue, grant),
      });
    }
    loaded = { catalogue, byKey };
  }
  return loaded;
}

export function catalogue(): Catalogue {
  return load().catalogue;
}

/** The caller's access; a pair the catalogue does not name gets none (deny by default). */
export function accessOf(caller: Pick<Caller, "agency" | "role">): Access {
  const key = grantKey(caller.agency, caller.role);
  const { byKey, catalogue } = load();
  return (
    byKey.get(key) ?? {
      key,
      scopes: new Set(),
      policies: new Set(),
      purposes: new Set(),
      role: caller.role,
      edge: edgePolicyOf(catalogue, undefined),
    }
  );
}

/** Whether the held scopes satisfy one of the alternatives (each a set that must all be held). */
export function satisfiesScopes(held: ReadonlySet<string>, alternatives: readonly (readonly string[])[]): boolean {
  return alternatives.some((set) => set.every((scope) => held.has(scope)));
}

/** A request that states no purpose: nothing personal is read without one. */
export class PurposeRequiredError extends DomainError {
  constructor(allowed: readonly string[]) {
    super("PURPOSE_REQUIRED", "State the purpose of this request (token claim `purpose` or header X-Purpose)", {
      allowed,
      http: { status: 403 },
    });
  }
}

/** A purpose the caller's grant does not allow, or a header contradicting the token's purpose. */
export class PurposeNotAllowedError extends DomainError {
  constructor(message: string, allowed: readonly string[]) {
    super("PURPOSE_NOT_ALLOWED", message, { allowed, http: { status: 403 } });
  }
}

/**
 * The purpose a request is made for, checked against the catalogue before anything is read. It is
 * a claim of the token, or, for systems whose token serves several purposes, the X-Purpose header;
 * a header may not contradict the token.
 */
export function statedPurpose(caller: Caller, header?: string | undefined): string {
  const allowed = [...accessOf(caller).purposes];
  const stated = caller.purpose ?? header;
  if (caller.purpose && header && header !== caller.purpose) {
    throw new PurposeNotAllowedError("The X-Purpose header contradicts the purpose in the token", allowed);
  }
  if (!stated) {
    throw new PurposeRequiredError(allowed);
  }
  if (!allowed.includes(stated)) {
    // A header is the caller's text: it is named back only when it has a purpose's shape.
    const named = PURPOSE_NAME.test(stated) ? stated : "this purpose";
    throw new PurposeNotAllowedError(`${grantKey(caller.agency, caller.role)} may not act for ${named}`, allowed);
  }
  return stated;
}

/** The first purpose the caller's grant allows: for development tokens and tests, never for requests. */
export function defaultPurpose(caller: Pick<Caller, "agency" | "role">): string | undefined {
  return accessOf(caller).purposes.values().next().value;
}
