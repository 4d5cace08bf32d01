import { accessOf } from "@spx/runtime/access";
import { buildSchema, parse } from "graphql";
import { servedFields } from "../access-log/served-fields.js";
import { FieldAccess } from "../field-access.js";
import { readSupergraphPolicy } from "../supergraph-policy.js";

const SUPERGRAPH = /* GraphQL */ `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY) {
    query: Query
  }
  directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
  directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  scalar requiresScopes__Scope
  scalar link__Import
  enum link__Purpose { SECURITY EXECUTION }

  type Query {
    person(idcs: ID!): Person @requiresScopes(scopes: [["identity:core"]])
  }
  type Person {
    idcs: ID @requiresScopes(scopes: [["identity:core"]])
    phone: String @requiresScopes(scopes: [["identity:contact"]])
    household: Household @requiresScopes(scopes: [["social:composition"]])
  }
  type Household {
    size: Int @requiresScopes(scopes: [["social:composition"]])
    members: [Person] @requiresScopes(scopes: [["social:composition"]])
  }
`;

const { policy, executableSdl } = readSupergraphPolicy(SUPERGRAPH);
const schema = buildSchema(executableSdl);
const fieldAccess = new FieldAccess(policy, []);
const access = accessOf({ agency: "ANR", role: "SYSTEM" });

/** `person { ...F0 }`, each F_i spreading F_{i+1} twice, the last reading the household. */
const doubler = (levels: number) =>
  `{ person(idcs: "1") { ...F0 } } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Person { idcs ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F${levels} on Person { household { size members { ...M } } } fragment M on Person { idcs phone }`;

describe("servedFields on fragments spread at every level", () => {
  it("reads a response to a 60-level doubler in well under 100 ms, each coordinate once", () => {
    const data = {
      person: {
        idcs: "1",
        household: {
          size: 2,
          members: [
            { idcs: "1", phone: null },
            { idcs: "2", phone: "x" },
          ],
        },
      },
    };
    const errors = [
      { message: "refused", path: ["person", "household", "members", 0, "phone"], extensions: { code: "FORBIDDEN" } },
    ];
    const started = performance.now();
    const result = servedFields({
      schema,
      document: parse(doubler(60)),
      operationName: null,
      data,
      errors,
      fieldAccess,
      access,
    });
    expect(performance.now() - started).toBeLessThan(100);
    expect(result.served).toEqual([
      "Household.members",
      "Household.size",
      "Person.household",
      "Person.idcs",
      "Person.phone",
      "Query.person",
    ]);
    // The coordinate at the refused path, found through 2^60 spreads.
    expect(result.refused).toEqual(["Person.phone"]);
  });
});
