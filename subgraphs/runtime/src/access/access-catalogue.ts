import { readFileSync } from "node:fs";
import { AGENCY_CATALOGUE_FILE } from "@spx/schema";
import { z } from "zod";
import type { DisclosureRules } from "../disclosure/types.js";
import { DomainError } from "../errors/errors.js";
import { POLICY_NAMES, type Policy, SCOPE_NAMES, type Scope } from "./access-vocabulary.js";
import { AGENCY_CODE, type Agency, type Caller, callerFromClaims, ROLES, type Role } from "./caller.js";

/**
 * The agency catalogue is part of the contract (`schema/agency-catalogue.json`), reviewed like code
 * and shipped with it: it is deliberately not configurable at run time, so that what a
 * data-protection officer reviewed is what runs.
 */
export const CATALOGUE_PATH = AGENCY_CATALOGUE_FILE;

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

/**
 * What kind of body an agency is: shown in the generated access policy so that a reviewer sees at
 * a glance who is being granted what. Deliberately few; a new kind is a code change (reviewed).
 */
export const AGENCY_KINDS = [
  "register-keeper",
  "social-security",
  "social-support",
  "health-insurer",
  "ministry",
  "regulator",
  "payment-institution",
] as const;

const agencySchema = z
  .object({
    code: z.string().regex(AGENCY_CODE, "must be 2 to 32 capitals, digits or _, starting with a capital"),
    name: z.string().min(1),
    kind: z.enum(AGENCY_KINDS),
  })
  .strict();

const lifetime = z.number().int().min(60).max(86_400);

/** Caller tokens' longest lifetime (`exp - iat`): a default, and per role. */
const identitySchema = z
  .object({
    $comment: z.string().optional(),
    maxTokenLifetimeSeconds: z
      .object({ default: lifetime })
      .catchall(lifetime)
      .superRefine((limits, ctx) => {
        for (const key of Object.keys(limits)) {
          if (key !== "default" && !(ROLES as readonly string[]).includes(key)) {
            ctx.addIssue({ code: "custom", path: [key], message: `${key} is not a role` });
          }
        }
      }),
  })
  .strict();

/**
 * Disclosure control of the registers' statistics (`@spx/runtime/disclosure`): one setting for the
 * whole graph, never per grant, because a pattern that varied by caller would let two callers
 * difference their answers.
 */
const disclosureSchema = z
  .object({
    $comment: z.string().optional(),
    /** Below 3, two contributors could each subtract their own value and learn the other's. */
    threshold: z.number().int().min(3),
    dominancePercent: z.number().min(0).max(100),
  })
  .strict();

const grantSchema = z.object({
  agency: z.string().nullable(),
  role: z.enum(ROLES),
  scopes: z.array(z.enum(SCOPE_NAMES)),
  policies: z.array(z.enum(POLICY_NAMES)),
  legalBasis: z.string().min(1),
  purpose: z.string().min(1),
  /** The purposes a request under this grant may state; at least one. */
  purposes: z.array(z.string()).min(1),
  /** Overrides of the catalogue's edge defaults for this grant. */
  edge: edgeOverrideSchema.optional(),
  /** Overrides the role's longest caller-token lifetime (`identity.maxTokenLifetimeSeconds`). */
  maxTokenLifetimeSeconds: lifetime.optional(),
});

const PURPOSE_NAME = /^[A-Z][A-Z0-9_]{1,63}$/;

const catalogueSchema = z
  .object({
    agencies: z.array(agencySchema).min(1),
    identity: identitySchema,
    purposes: z.record(z.string().regex(PURPOSE_NAME), z.string().min(1)),
    /** Edge defaults for every grant (`trustedDocuments` here applies outside production only). */
    edge: edgeSchema,
    disclosure: disclosureSchema,
    grants: z.array(grantSchema),
    publicFields: z.array(
      z.object({ field: z.string().regex(/^[A-Za-z_]\w*\.(\*|[A-Za-z_]\w*)$/), reason: z.string() }),
    ),
  })
  .superRefine((catalogue, ctx) => {
    const codes = new Set<string>();
    for (const [index, agency] of catalogue.agencies.entries()) {
      if (codes.has(agency.code)) {
        ctx.addIssue({ code: "custom", path: ["agencies", index], message: `${agency.code} is listed twice` });
      }
      codes.add(agency.code);
    }
    const seen = new Set<string>();
    for (const [index, grant] of catalogue.grants.entries()) {
      const key = grantKey(grant.agency, grant.role);
      if (grant.agency !== null && !codes.has(grant.agency)) {
        ctx.addIssue({
          code: "custom",
          path: ["grants", index],
          message: `${key}: ${grant.agency} is not a listed agency`,
        });
      }
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

/** An agency as the catalogue lists it. */
export type ListedAgency = Catalogue["agencies"][number];

/** A token's caller whose agency the catalogue does not list: refused like any bad claim. */
export class UnlistedAgencyError extends Error {
  constructor() {
    super("the token names an agency the catalogue does not list");
  }
}

/**
 * One catalogue, read for the questions asked on every request. The committed catalogue is the
 * one that runs (`committedCatalogue()`); another one is indexed only by tests and tools, so that
 * onboarding an agency can be shown to need no code change.
 */
export class CatalogueIndex {
  private readonly byKey = new Map<string, Access>();
  private readonly agencies: ReadonlyMap<string, ListedAgency>;

  constructor(readonly catalogue: Catalogue) {
    this.agencies = new Map(catalogue.agencies.map((agency) => [agency.code, agency]));
    for (const grant of catalogue.grants) {
      const key = grantKey(grant.agency, grant.role);
      this.byKey.set(key, {
        key,
        scopes: new Set(grant.scopes),
        policies: new Set(grant.policies),
        purposes: new Set(grant.purposes),
        role: grant.role,
        edge: edgePolicyOf(catalogue, grant),
      });
    }
  }

  /** The rules every register's statistics are protected with (the same for every caller). */
  get disclosure(): DisclosureRules {
    const { threshold, dominancePercent } = this.catalogue.disclosure;
    return { threshold, dominancePercent };
  }

  agency(code: string): ListedAgency | undefined {
    return this.agencies.get(code);
  }

  /** Whether the (agency, role) pair is granted anything at all. */
  isGranted(caller: Pick<Caller, "agency" | "role">): boolean {
    return this.byKey.has(grantKey(caller.agency, caller.role));
  }

  /** The caller's access; a pair the catalogue does not name gets none (deny by default). */
  accessOf(caller: Pick<Caller, "agency" | "role">): Access {
    const key = grantKey(caller.agency, caller.role);
    return (
      this.byKey.get(key) ?? {
        key,
        scopes: new Set(),
        policies: new Set(),
        purposes: new Set(),
        role: caller.role,
        edge: edgePolicyOf(this.catalogue, undefined),
      }
    );
  }

  /** The longest a caller's token may live: its grant's own limit, its role's, or the default. */
  maxTokenLifetimeSeconds(caller: Pick<Caller, "agency" | "role">): number {
    const grant = this.catalogue.grants.find(
      (g) => grantKey(g.agency, g.role) === grantKey(caller.agency, caller.role),
    );
    const limits = this.catalogue.identity.maxTokenLifetimeSeconds;
    return grant?.maxTokenLifetimeSeconds ?? limits[caller.role] ?? limits.default;
  }

  /**
   * The caller a token's claims name, its agency checked against this catalogue. Throws (zod's
   * error, or UnlistedAgencyError) on any bad claim.
   */
  callerOf(claims: Record<string, unknown>): Caller {
    const caller = callerFromClaims(claims);
    if (caller.agency !== undefined && !this.agencies.has(caller.agency)) {
      throw new UnlistedAgencyError();
    }
    return caller;
  }
}

/** Indexes a catalogue's JSON text (validated; throws on any defect). */
export function indexCatalogue(text: string): CatalogueIndex {
  return new CatalogueIndex(parseCatalogue(text));
}

let committed: CatalogueIndex | undefined;

/** The catalogue under `schema/`, read once. */
export function committedCatalogue(): CatalogueIndex {
  committed ??= indexCatalogue(readFileSync(CATALOGUE_PATH, "utf8"));
  return committed;
}

export function catalogue(): Catalogue {
  return committedCatalogue().catalogue;
}

/** The committed catalogue's disclosure-control rules, for the registers' statistics. */
export function disclosureRules(): DisclosureRules {
  return committedCatalogue().disclosure;
}

/** The caller's access under the committed catalogue; a pair it does not name gets none. */
export function accessOf(caller: Pick<Caller, "agency" | "role">): Access {
  return committedCatalogue().accessOf(caller);
}

/** A token's caller, its agency checked against the committed catalogue. */
export function listedCaller(claims: Record<string, unknown>): Caller {
  return committedCatalogue().callerOf(claims);
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
