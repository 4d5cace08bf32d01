import { type Access, satisfiesScopes } from "@spx/runtime/access";
import {
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import type { AccessRule, PublicField, SupergraphPolicy } from "./supergraph-policy.js";

/**
 * Who may read which field, decided from the supergraph's rules alone (no data): the part of the
 * policy a gateway can decide before planning. Deny by default: a field with no rule is served
 * only if the catalogue lists it as public.
 */
export class FieldAccess {
  private readonly publicFields: Set<string>;
  private readonly publicTypes: Set<string>;
  /** Decisions by grant and coordinate: a handful of grants times a few hundred fields. */
  private readonly decisions = new Map<string, boolean>();

  constructor(
    private readonly policy: SupergraphPolicy,
    publicFields: readonly PublicField[],
  ) {
    this.publicFields = new Set(publicFields.map((p) => p.field).filter((f) => !f.endsWith(".*")));
    this.publicTypes = new Set(
      publicFields
        .map((p) => p.field)
        .filter((f) => f.endsWith(".*"))
        .map((f) => f.slice(0, -2)),
    );
  }

  isPublic(typeName: string, fieldName: string): boolean {
    return this.publicTypes.has(typeName) || this.publicFields.has(`${typeName}.${fieldName}`);
  }

  /** The rule on a field, if any. */
  fieldRule(typeName: string, fieldName: string): AccessRule | undefined {
    return this.policy.fields.get(`${typeName}.${fieldName}`);
  }

  /** The row policy (or other rule) on a type, if any. */
  typeRule(typeName: string): AccessRule | undefined {
    return this.policy.types.get(typeName);
  }

  /** Whether the caller may read `parent.field`, including the rules of the type it returns. */
  canRead(schema: GraphQLSchema, access: Access, parent: GraphQLCompositeType, fieldName: string): boolean {
    if (fieldName.startsWith("__")) {
      return true;
    }
    const key = `${access.key}|${parent.name}.${fieldName}`;
    let decision = this.decisions.get(key);
    if (decision === undefined) {
      decision = this.decide(schema, access, parent, fieldName);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private decide(schema: GraphQLSchema, access: Access, parent: GraphQLCompositeType, fieldName: string): boolean {
    // A field read through an interface is readable only where every implementation allows it.
    const owners = isInterfaceType(parent) ? [parent, ...schema.getPossibleTypes(parent)] : [parent];
    for (const owner of owners) {
      if (!isObjectType(owner) && !isInterfaceType(owner)) {
        return false;
      }
      const field = owner.getFields()[fieldName];
      if (!field) {
        return false;
      }
      const rule = this.fieldRule(owner.name, fieldName);
      if (!rule && !this.isPublic(owner.name, fieldName)) {
        return false;
      }
      if (!satisfies(rule, access) || !this.canReturn(schema, access, getNamedType(field.type))) {
        return false;
      }
    }
    return true;
  }

  /** Type rules (row policies) apply to every field returning the type, or any of its members. */
  private canReturn(schema: GraphQLSchema, access: Access, type: GraphQLNamedType): boolean {
    const members = isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];
    return members.every((member) => satisfies(this.policy.types.get(member.name), access));
  }
}

function satisfies(rule: AccessRule | undefined, access: Access): boolean {
  if (!rule) {
    return true;
  }
  // Every caller of this gateway is authenticated, so `@authenticated` alone never refuses.
  if (rule.scopes && !satisfiesScopes(access.scopes, rule.scopes)) {
    return false;
  }
  if (rule.policies && !satisfiesScopes(access.policies, rule.policies)) {
    return false;
  }
  return true;
}
