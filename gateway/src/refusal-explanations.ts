import {
  type Access,
  type Catalogue,
  catalogue as committedCatalogue,
  DATA_KINDS,
  grantKey,
  POLICIES,
  type Policy,
  SCOPES,
  type Scope,
} from "@spx/runtime/access";
import {
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import type { FieldAccess } from "./field-access.js";
import type { AccessRule } from "./supergraph-policy.js";

/**
 * Why a field was refused, as the caller is told in its FORBIDDEN error: which kind of data (the
 * scope) or which rows (the row policy) the grant lacks, in plain words, and the grant's legal
 * basis from the catalogue. Made of the policy and the catalogue alone: it names no person, no
 * value and no official, only what any reader of `schema/access-policy.md` can already see.
 */
export interface RefusalExplanation {
  /** One sentence in plain words: what this agency's grant does not include. */
  readonly reason: string;
  /** The legal basis the catalogue records for the caller's grant (null: the pair has no grant). */
  readonly legalBasis: string | null;
  /** The scopes the grant would need (one alternative of the field's rule: the nearest one). */
  readonly scopes: readonly Scope[];
  /** Those scopes in the words a person's access record uses (`household index`, …). */
  readonly kindsOfData: readonly string[];
  /** The row policies of the type returned, when the grant holds none of them. */
  readonly rows: readonly Policy[];
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function describeScopes(scopes: readonly string[]): string {
  return scopes.map((s) => (s in SCOPES ? `${lowerFirst(SCOPES[s as Scope])} (${s})` : s)).join(" and ");
}

function describePolicies(policies: readonly string[]): string {
  return policies.map((p) => (p in POLICIES ? `${p}: ${lowerFirst(POLICIES[p as Policy])}` : p)).join("; ");
}

/** For each alternative of a rule, what the grant lacks of it; empty when one alternative is held. */
function missing(alternatives: readonly (readonly string[])[] | undefined, held: ReadonlySet<string>): string[][] {
  if (!alternatives || alternatives.length === 0) {
    return [];
  }
  const lacking = alternatives.map((set) => set.filter((item) => !held.has(item)));
  return lacking.some((set) => set.length === 0) ? [] : lacking;
}

/** Why a rule refuses, if it does: scopes first (what kind of data), then rows. */
interface Lack {
  scopes: string[][];
  policies: string[][];
  typeName?: string;
}

function lackOf(rule: AccessRule | undefined, access: Access): Lack | undefined {
  if (!rule) {
    return undefined;
  }
  const scopes = missing(rule.scopes, access.scopes);
  const policies = missing(rule.policies, access.policies);
  return scopes.length > 0 || policies.length > 0 ? { scopes, policies } : undefined;
}

/**
 * Explanations per (grant, coordinate), made the first time a decision refuses that field to that
 * grant and then shared by every decision and request that refuses it again: a handful of grants
 * times the fields they are refused, so the per-request cost is a lookup already done when the
 * operation's decision was cached.
 */
export class RefusalExplanations {
  private readonly explained = new Map<string, RefusalExplanation>();
  private readonly legalBases: ReadonlyMap<string, string>;

  constructor(
    private readonly fieldAccess: FieldAccess,
    catalogue: Catalogue = committedCatalogue(),
  ) {
    this.legalBases = new Map(catalogue.grants.map((g) => [grantKey(g.agency, g.role), g.legalBasis]));
  }

  /** The explanation of `coordinate` (`Type.field`) refused to `access`. */
  explain(schema: GraphQLSchema, access: Access, coordinate: string): RefusalExplanation {
    const key = `${access.key}|${coordinate}`;
    let explanation = this.explained.get(key);
    if (!explanation) {
      explanation = this.make(schema, access, coordinate);
      this.explained.set(key, explanation);
    }
    return explanation;
  }

  private make(schema: GraphQLSchema, access: Access, coordinate: string): RefusalExplanation {
    const legalBasis = this.legalBases.get(access.key) ?? null;
    const who = access.key === "CITIZEN" ? "A citizen's grant" : `The grant of ${access.key.replace("/", " (")})`;
    if (!legalBasis) {
      return Object.freeze({
        reason: `${access.key} has no grant in the agency catalogue, so no data is served to it`,
        legalBasis,
        scopes: [],
        kindsOfData: [],
        rows: [],
      });
    }
    const [typeName = "", fieldName = ""] = coordinate.split(".");
    const parent = schema.getType(typeName);
    const lack = parent && isCompositeType(parent) ? this.lackOf(schema, access, parent, fieldName) : undefined;
    if (!lack) {
      // Deny by default: a field without a rule that the catalogue does not list as public.
      return Object.freeze({
        reason: `${coordinate} has no access rule, so it is served to no agency`,
        legalBasis,
        scopes: [],
        kindsOfData: [],
        rows: [],
      });
    }
    if (lack.scopes.length > 0) {
      // The nearest alternative: the one the grant lacks least of.
      const nearest = [...lack.scopes].sort((a, b) => a.length - b.length)[0] ?? [];
      const alternatives = lack.scopes.map(describeScopes).join(", or ");
      return Object.freeze({
        reason: `${who} does not include ${alternatives}`,
        legalBasis,
        scopes: nearest as Scope[],
        kindsOfData: [...new Set(nearest.map((s) => DATA_KINDS[s as Scope] ?? s))],
        rows: [],
      });
    }
    const rows = [...new Set(lack.policies.flat())] as Policy[];
    const what = lack.typeName ? `rows of ${lack.typeName}` : "these rows";
    return Object.freeze({
      reason: `${who} reads no ${what}: they are served only under ${describePolicies(rows)}`,
      legalBasis,
      scopes: [],
      kindsOfData: [],
      rows,
    });
  }

  /** The same walk as FieldAccess's decision, answering why instead of whether. */
  private lackOf(
    schema: GraphQLSchema,
    access: Access,
    parent: GraphQLCompositeType,
    fieldName: string,
  ): Lack | undefined {
    const owners = isInterfaceType(parent) ? [parent, ...schema.getPossibleTypes(parent)] : [parent];
    for (const owner of owners) {
      if (!isObjectType(owner) && !isInterfaceType(owner)) {
        return undefined;
      }
      const field = owner.getFields()[fieldName];
      if (!field) {
        return undefined;
      }
      const own = lackOf(this.fieldAccess.fieldRule(owner.name, fieldName), access);
      if (own) {
        return own;
      }
      const type = getNamedType(field.type);
      const members = isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];
      for (const member of members) {
        const rows = lackOf(this.fieldAccess.typeRule(member.name), access);
        if (rows) {
          return { ...rows, typeName: member.name };
        }
      }
    }
    return undefined;
  }
}
