import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import DirectivePlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { type AccessAuthScopes, accessAuthScopes, type Policy, type Scope } from "@spx/runtime/access";
import { ForbiddenError } from "@spx/runtime/errors";
import { DateScalar, DateTimeScalar, Decimal7Scalar, MadAmountScalar } from "@spx/runtime/schema";
import type { Context } from "./context.js";
import type PrismaTypes from "./generated/pothos-types.js";
import { getDatamodel } from "./generated/pothos-types.js";

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AccessAuthScopes;
  FederationScopes: Scope;
  FederationPolicies: Policy;
  Scalars: {
    Date: { Input: Date; Output: Date };
    DateTime: { Input: Date; Output: Date };
    MadAmount: { Input: number; Output: number };
    Decimal7: { Input: string; Output: string };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  // Scope-auth first and federation last: federation must see the resolvers the others wrap.
  plugins: [ScopeAuthPlugin, PrismaPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: accessAuthScopes,
    // Row policies run when an object is completed: a refused row nulls the field that returned it.
    runScopesOnType: true,
    unauthorizedError: () => new ForbiddenError(),
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
  },
});

builder.addScalarType("Date", DateScalar);
builder.addScalarType("DateTime", DateTimeScalar);
builder.addScalarType("MadAmount", MadAmountScalar);
builder.addScalarType("Decimal7", Decimal7Scalar);
builder.queryType({});
builder.mutationType({});
