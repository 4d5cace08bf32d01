import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import DirectivePlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { ForbiddenError } from "@spx/runtime/errors";
import { DateScalar, DateTimeScalar, MadAmountScalar } from "@spx/runtime/scalars";
import type { Context } from "./context.js";
import type PrismaTypes from "./generated/pothos-types.js";
import { getDatamodel } from "./generated/pothos-types.js";

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** The programme's agency (ANSS) acting as a system or through a case worker. */
    agency: boolean;
    /** A payment institution, reporting on its own orders. */
    paymentInstitution: boolean;
  };
  Scalars: {
    Date: { Input: Date; Output: Date };
    DateTime: { Input: Date; Output: Date };
    MadAmount: { Input: number; Output: number };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  // Scope-auth first and federation last: federation must see the resolvers the others wrap.
  plugins: [ScopeAuthPlugin, PrismaPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      agency:
        context.caller.agency === "ANSS" && (context.caller.role === "SYSTEM" || context.caller.role === "CASE_WORKER"),
      paymentInstitution: ["BARID_BANK", "CASH_PLUS", "WAFACASH"].includes(context.caller.agency ?? ""),
    }),
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
builder.queryType({});
builder.mutationType({});
