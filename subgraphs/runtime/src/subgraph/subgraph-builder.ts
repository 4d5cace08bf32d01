// The plugins' additions to Pothos' types (entities, @cost, auth scopes, Prisma objects) reach every
// register through this module's declarations, so that a register names no plugin itself.
/// <reference types="@pothos/plugin-directives" preserve="true" />
/// <reference types="@pothos/plugin-federation" preserve="true" />
/// <reference types="@pothos/plugin-prisma" preserve="true" />
/// <reference types="@pothos/plugin-scope-auth" preserve="true" />
import SchemaBuilder from "@pothos/core";
import DirectivePlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import PrismaPlugin, { type PothosPrismaDatamodel, type PrismaClient } from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import type { GraphQLSchema } from "graphql";
import { type AccessAuthScopes, accessAuthScopes } from "../access/access-rules.js";
import type { Policy, Scope } from "../access/access-vocabulary.js";
import { ForbiddenError } from "../errors/errors.js";
import { DateScalar, DateTimeScalar, Decimal7Scalar, MadAmountScalar } from "../schema/scalars.js";
import type { RequestContext } from "../server/subgraph-server.js";

/** The Pothos types every register's builder shares; only the context and the Prisma types differ. */
export interface SubgraphSchemaTypes<Context, Types> {
  Context: Context;
  PrismaTypes: Types;
  AuthScopes: AccessAuthScopes;
  FederationScopes: Scope;
  FederationPolicies: Policy;
  Scalars: {
    Date: { Input: Date; Output: Date };
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    MadAmount: { Input: number; Output: number };
    Decimal7: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}

/** Scalars a register adds when it uses them (each is in the SDL only where added). */
const OPTIONAL_SCALARS = { MadAmount: MadAmountScalar, Decimal7: Decimal7Scalar };

/**
 * A register's schema builder: the plugins in the order Pothos asks for (scope-auth first, so
 * that it wraps every resolver; federation last, so that it sees the wrapped ones), row policies
 * on every object, refusals as FORBIDDEN, the Date and DateTime scalars, fields non-null unless said.
 */
export function createSubgraphBuilder<Context extends RequestContext & { prisma: PrismaClient }, Types extends {}>(
  datamodel: PothosPrismaDatamodel,
  scalars: (keyof typeof OPTIONAL_SCALARS)[] = [],
) {
  const builder = new SchemaBuilder<SubgraphSchemaTypes<Context, Types>>({
    plugins: [ScopeAuthPlugin, PrismaPlugin, DirectivePlugin, FederationPlugin],
    defaultFieldNullability: false,
    scopeAuth: {
      authScopes: accessAuthScopes,
      // Row policies run when an object is completed: a refused row nulls the field that returned it.
      runScopesOnType: true,
      unauthorizedError: () => new ForbiddenError(),
    },
    prisma: {
      client: (context) => context.prisma,
      dmmf: datamodel,
      exposeDescriptions: false,
      filterConnectionTotalCount: true,
    },
  });
  builder.addScalarType("Date", DateScalar);
  builder.addScalarType("DateTime", DateTimeScalar);
  for (const name of scalars) {
    builder.addScalarType(name, OPTIONAL_SCALARS[name]);
  }
  builder.queryType({});
  builder.mutationType({});
  return builder;
}

/** The federation version every register's SDL links. */
const FEDERATION_LINK = "https://specs.apollo.dev/federation/v2.9";

/** The register's Federation 2 subgraph schema, once every schema file has been imported. */
export function subgraphSchemaOf(builder: { toSubGraphSchema(options: { linkUrl: string }): GraphQLSchema }) {
  return builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK });
}
