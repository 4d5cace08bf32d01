import {
  type ArgumentNode,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  Kind,
  parse,
  print,
  type ValueNode,
  visit,
} from "graphql";

/** The access rule one schema element declares: alternatives of sets, as federation spells them. */
export interface AccessRule {
  scopes?: string[][];
  policies?: string[][];
  authenticated?: boolean;
}

/** A public field that may be served without a rule, and why (from the agency catalogue). */
export interface PublicField {
  field: string;
  reason: string;
}

export interface SupergraphPolicy {
  /** Rules on fields, by coordinate (`Type.field`). */
  fields: ReadonlyMap<string, AccessRule>;
  /** Rules on object and interface types: they apply to every field that returns the type. */
  types: ReadonlyMap<string, AccessRule>;
}

const SECURITY_SPECS = {
  requiresScopes: "https://specs.apollo.dev/requiresScopes/",
  policy: "https://specs.apollo.dev/policy/",
  authenticated: "https://specs.apollo.dev/authenticated/",
} as const;
type SecurityFeature = keyof typeof SECURITY_SPECS;

function argument(args: readonly ArgumentNode[] | undefined, name: string): ValueNode | undefined {
  return args?.find((arg) => arg.name.value === name)?.value;
}

function stringValue(value: ValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING || value?.kind === Kind.ENUM ? value.value : undefined;
}

function listOfLists(value: ValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) {
    return [];
  }
  return value.values.map((inner) =>
    inner.kind === Kind.LIST ? inner.values.map((v) => stringValue(v) ?? "").filter(Boolean) : [],
  );
}

/** The names the supergraph gives the security directives (a `@link` may rename them with `as`). */
function securityDirectiveNames(document: DocumentNode): Map<string, SecurityFeature> {
  const names = new Map<string, SecurityFeature>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) {
      continue;
    }
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== "link") {
        continue;
      }
      const url = stringValue(argument(directive.arguments, "url")) ?? "";
      for (const [feature, prefix] of Object.entries(SECURITY_SPECS) as [SecurityFeature, string][]) {
        if (url.startsWith(prefix)) {
          names.set(stringValue(argument(directive.arguments, "as")) ?? feature, feature);
        }
      }
    }
  }
  return names;
}

function ruleOf(directives: readonly ConstDirectiveNode[] | undefined, names: Map<string, SecurityFeature>) {
  let rule: AccessRule | undefined;
  for (const directive of directives ?? []) {
    const feature = names.get(directive.name.value);
    if (!feature) {
      continue;
    }
    rule ??= {};
    if (feature === "requiresScopes") {
      rule.scopes = [...(rule.scopes ?? []), ...listOfLists(argument(directive.arguments, "scopes"))];
    } else if (feature === "policy") {
      rule.policies = [...(rule.policies ?? []), ...listOfLists(argument(directive.arguments, "policies"))];
    } else {
      rule.authenticated = true;
    }
  }
  return rule;
}

function isSecurityLink(directive: DirectiveNode): boolean {
  if (directive.name.value !== "link") {
    return false;
  }
  const url = stringValue(argument(directive.arguments, "url")) ?? "";
  return Object.values(SECURITY_SPECS).some((prefix) => url.startsWith(prefix));
}

/**
 * Reads the access rules out of a composed supergraph, and gives back a copy without the SECURITY
 * features, which @apollo/gateway refuses to load (it would not enforce them anyway: this gateway
 * does, from the rules read here).
 */
export function readSupergraphPolicy(supergraphSdl: string): { policy: SupergraphPolicy; executableSdl: string } {
  const document = parse(supergraphSdl);
  const names = securityDirectiveNames(document);
  const fields = new Map<string, AccessRule>();
  const types = new Map<string, AccessRule>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    const typeRule = ruleOf(definition.directives, names);
    if (typeRule) {
      types.set(definition.name.value, typeRule);
    }
    for (const field of definition.fields ?? []) {
      const fieldRule = ruleOf(field.directives, names);
      if (fieldRule) {
        fields.set(`${definition.name.value}.${field.name.value}`, fieldRule);
      }
    }
  }
  // The scalars the security specs define (e.g. requiresScopes__Scope) go with their directives.
  const scalarPrefixes = [...names.keys()].map((name) => `${name}__`);
  const executable = visit(document, {
    Directive: (node) => (names.has(node.name.value) || isSecurityLink(node) ? null : undefined),
    DirectiveDefinition: (node) => (names.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (scalarPrefixes.some((p) => node.name.value.startsWith(p)) ? null : undefined),
  });
  return {
    policy: { fields, types },
    executableSdl: print({
      ...executable,
      definitions: executable.definitions.filter((d: DefinitionNode) => d !== null),
    }),
  };
}
