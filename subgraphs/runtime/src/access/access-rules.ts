import { ForbiddenError } from "../errors/errors.js";
import { type Access, satisfiesScopes } from "./access-catalogue.js";
import type { AccessTrail } from "./access-trail.js";
import type { Policy, Scope, ScopeSet } from "./access-vocabulary.js";
import type { Caller } from "./caller.js";

/** What a subgraph's scope-auth needs to know about the request. */
export interface AccessContext {
  caller: Caller;
  access: Access;
  /** Where the persons served are gathered for the access log. */
  trail: AccessTrail;
}

/** The parameterised auth scopes every subgraph builder declares (`AuthScopes`). */
export interface AccessAuthScopes {
  scopes: Scope[][];
  policies: Policy[][];
}

/** Scope-auth's scope loader: the same rules the gateway applies, on the caller in the token. */
export function accessAuthScopes(context: AccessContext) {
  return {
    scopes: (alternatives: Scope[][]) => satisfiesScopes(context.access.scopes, alternatives),
    policies: (alternatives: Policy[][]) => satisfiesScopes(context.access.policies, alternatives),
  };
}

function scopeSets(alternatives: ScopeSet[]): Scope[][] {
  return alternatives.map((alternative) => (typeof alternative === "string" ? [alternative] : [...alternative]));
}

/**
 * Field options saying which scopes read a field: any one of the alternatives (a scope, or a list
 * of scopes all required). One declaration gives both the `@requiresScopes` directive that
 * composes into the supergraph, where the gateway reads it, and the scope-auth check the subgraph
 * runs itself.
 */
export function needs(...alternatives: ScopeSet[]): {
  requiresScopes: Scope[][];
  authScopes: Pick<AccessAuthScopes, "scopes">;
  nullable: true;
} {
  const sets = scopeSets(alternatives);
  // Protected fields are nullable, so that one refusal never blanks the object around it.
  return { requiresScopes: sets, authScopes: { scopes: sets }, nullable: true };
}

/**
 * Like `needs`, for a field that acts on or sums up every region (a payment run, a reconciliation):
 * only callers holding the `nationwide` policy, declared as `@policy` so the gateway and the
 * access-policy table say so too.
 */
export function needsNationwide(...alternatives: ScopeSet[]): {
  requiresScopes: Scope[][];
  policy: Policy[][];
  authScopes: { $all: AccessAuthScopes };
  nullable: true;
} {
  const sets = scopeSets(alternatives);
  const policy: Policy[][] = [["nationwide"]];
  return { requiresScopes: sets, policy, authScopes: { $all: { scopes: sets, policies: policy } }, nullable: true };
}

/** What a row says about itself, for the row policies its type admits. */
export interface RowFacts {
  /** The row's region, for `sameRegion`. */
  region?: string | null | undefined;
  /** Whether the row is the caller's own person or household, for `self`. */
  self?: () => boolean | Promise<boolean>;
  /** Whether the row is one of the caller's own payment orders, for `ownPayments`. */
  ownPayments?: () => boolean;
}

/**
 * Decides one row: `nationwide` admits all; otherwise a policy both held and admitted by the type.
 * Synchronous unless only `self` is left to ask, which may need the caller's household.
 */
export function rowAllowed(
  context: AccessContext,
  admitted: readonly Policy[],
  facts: RowFacts,
): boolean | Promise<boolean> {
  const held = context.access.policies;
  if (held.has("nationwide")) {
    return true;
  }
  const may = (policy: Policy) => held.has(policy) && admitted.includes(policy);
  if (may("sameRegion") && facts.region && facts.region === context.caller.region) {
    return true;
  }
  if (may("ownPayments") && facts.ownPayments?.()) {
    return true;
  }
  return may("self") && facts.self ? facts.self() : false;
}

/**
 * Type options for a type whose rows are person-level data: the `@policy` directive listing the row
 * policies that may admit a row, and the scope-auth check that decides each row where it is loaded
 * (with `runScopesOnType`, a refused row makes the field that returned it null + FORBIDDEN).
 * Every admitted row names the persons it is about (`persons`), for the access log: the row check
 * is the one place that sees every row served, whichever field returned it.
 */
export function rowPolicy<Row, Context extends AccessContext>(
  admitted: Exclude<Policy, "nationwide">[],
  facts: (row: Row, context: Context) => RowFacts,
  /** One IDCS (allocates nothing per row), several, or a promise of them. */
  persons: (row: Row, context: Context) => string | Iterable<string> | Promise<Iterable<string>>,
): { policy: Policy[][]; authScopes: (row: Row, context: Context) => boolean | Promise<boolean> } {
  return {
    policy: [["nationwide"], ...admitted.map((policy) => [policy])],
    // Runs for every row served: nationwide callers are admitted before any fact is gathered.
    authScopes: (row, context) => {
      const allowed = context.access.policies.has("nationwide") || rowAllowed(context, admitted, facts(row, context));
      if (allowed === true) {
        context.trail.add(persons(row, context));
        return true;
      }
      if (allowed === false) {
        return false;
      }
      return allowed.then((ok) => {
        if (ok) {
          context.trail.add(persons(row, context));
        }
        return ok;
      });
    },
  };
}

/**
 * The row restriction of a list query for this caller: lists are filtered in the query itself,
 * so a case worker's page holds only their region and nothing is fetched to be thrown away.
 * `undefined` means every row; otherwise only the rows of `region`, of the person `idcs`, or of the
 * payment institution `agency`; `{ none: true }` means the caller may list nothing.
 */
export function listRestriction(
  context: AccessContext,
  admitted: readonly Policy[],
): { region?: string; idcs?: string; agency?: string; none?: true } | undefined {
  const held = context.access.policies;
  if (held.has("nationwide")) {
    return undefined;
  }
  if (admitted.includes("sameRegion") && held.has("sameRegion") && context.caller.region) {
    return { region: context.caller.region };
  }
  if (admitted.includes("self") && held.has("self") && context.caller.idcs) {
    return { idcs: context.caller.idcs };
  }
  if (admitted.includes("ownPayments") && held.has("ownPayments") && context.caller.agency) {
    return { agency: context.caller.agency };
  }
  return { none: true };
}

/** For writes: refuses before anything is written when the row is outside the caller's rows. */
export async function assertRowAllowed(
  context: AccessContext,
  admitted: readonly Policy[],
  facts: RowFacts,
  what: string,
): Promise<void> {
  if (!(await rowAllowed(context, admitted, facts))) {
    throw new ForbiddenError(`${what} is outside the rows this caller may act on`);
  }
}
