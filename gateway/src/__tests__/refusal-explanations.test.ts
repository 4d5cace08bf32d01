import { type Access, accessOf, catalogue } from "@spx/runtime/access";
import { buildSchema } from "graphql";
import { FieldAccess } from "../field-access.js";
import { RefusalExplanations } from "../refusal-explanations.js";
import { readSupergraphPolicy } from "../supergraph-policy.js";

// The shapes of rule the real supergraph has (alternatives, a pair of scopes, row policies on a
// type, an interface) and one it must never have (a field nobody classified).
const SUPERGRAPH = /* GraphQL */ `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
    @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY) {
    query: Query
  }
  directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
  directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  scalar requiresScopes__Scope
  scalar policy__Policy
  scalar link__Import
  enum link__Purpose { SECURITY EXECUTION }

  type Query {
    person(idcs: ID!): Person @requiresScopes(scopes: [["identity:core"], ["identity:payee"]])
    benefits: [Benefit] @requiresScopes(scopes: [["health:coverage"], ["aid:enrolment"]])
    unclassified: String
  }
  type Person @policy(policies: [["nationwide"], ["sameRegion"]]) {
    scoreUsed: String @requiresScopes(scopes: [["health:coverage", "social:index"]])
  }
  interface Benefit {
    amount: String @requiresScopes(scopes: [["health:coverage"], ["aid:enrolment"]])
  }
  type Coverage implements Benefit {
    amount: String @requiresScopes(scopes: [["health:coverage"]])
  }
  type Aid implements Benefit {
    amount: String @requiresScopes(scopes: [["aid:enrolment"]])
  }
`;

const { policy, executableSdl } = readSupergraphPolicy(SUPERGRAPH);
const schema = buildSchema(executableSdl);
const fieldAccess = new FieldAccess(policy, []);
const LEGAL_BASIS = "Law 00-00 art. 1 (a test grant)";
const grant = (agency: string, scopes: string[], policies: string[]) => ({
  agency,
  role: "CASE_WORKER" as const,
  scopes,
  policies,
  legalBasis: LEGAL_BASIS,
  purpose: "test",
  purposes: ["CASE_MANAGEMENT"],
});
const testCatalogue = {
  ...catalogue(),
  grants: [
    grant("INSURER", ["health:coverage"], ["sameRegion"]),
    grant("COUNTER", ["identity:core"], ["self"]),
    grant("NOTHING", [], []),
  ],
} as ReturnType<typeof catalogue>;

function access(agency: string): Access {
  const held = testCatalogue.grants.find((g) => g.agency === agency);
  return {
    ...accessOf({ agency: "MSPS", role: "ANALYST" }),
    key: `${agency}/CASE_WORKER`,
    scopes: new Set(held?.scopes ?? []),
    policies: new Set(held?.policies ?? []),
  } as Access;
}

describe("why a field is refused", () => {
  const explanations = new RefusalExplanations(fieldAccess, testCatalogue);

  it("names the kind of data the grant lacks, with the grant's legal basis", () => {
    expect(explanations.explain(schema, access("INSURER"), "Person.scoreUsed")).toEqual({
      reason:
        "The grant of INSURER (CASE_WORKER) does not include the socio-economic index, its contributions and the explanation of a decision (social:index)",
      legalBasis: LEGAL_BASIS,
      scopes: ["social:index"],
      kindsOfData: ["household index"],
      rows: [],
    });
  });

  it("lists every alternative that would have given the field, the nearest as its scopes", () => {
    const why = explanations.explain(schema, access("NOTHING"), "Query.person");
    expect(why.reason).toBe(
      "The grant of NOTHING (CASE_WORKER) does not include identity: IDCS, CIN, names, sex, birth, nationality, residency, life status, legal representative (identity:core), or what a payment institution needs to pay someone: IDCS, names and CIN (identity:payee)",
    );
    expect(why.scopes).toEqual(["identity:core"]);
    expect(why.kindsOfData).toEqual(["identity"]);
  });

  it("names the row policies when the grant holds the data but none of the type's rows", () => {
    expect(explanations.explain(schema, access("COUNTER"), "Query.person")).toEqual({
      reason:
        "The grant of COUNTER (CASE_WORKER) reads no rows of Person: they are served only under nationwide: every row the scopes allow, in every region; sameRegion: only people, households and orders of the caller's own region",
      legalBasis: LEGAL_BASIS,
      scopes: [],
      kindsOfData: [],
      rows: ["nationwide", "sameRegion"],
    });
  });

  it("explains a field read through an interface by the implementation that refuses it", () => {
    const why = explanations.explain(schema, access("INSURER"), "Benefit.amount");
    expect(why.scopes).toEqual(["aid:enrolment"]);
    expect(why.reason).toContain("(aid:enrolment)");
  });

  it("says that a field without a rule is served to no agency, and that an unknown pair has no grant", () => {
    expect(explanations.explain(schema, access("INSURER"), "Query.unclassified").reason).toBe(
      "Query.unclassified has no access rule, so it is served to no agency",
    );
    const stranger = { ...access("INSURER"), key: "ELSEWHERE/CASE_WORKER" };
    expect(explanations.explain(schema, stranger, "Query.person")).toMatchObject({
      reason: "ELSEWHERE/CASE_WORKER has no grant in the agency catalogue, so no data is served to it",
      legalBasis: null,
    });
  });

  it("is made once per grant and field, then shared", () => {
    const first = explanations.explain(schema, access("INSURER"), "Person.scoreUsed");
    expect(explanations.explain(schema, access("INSURER"), "Person.scoreUsed")).toBe(first);
    expect(explanations.explain(schema, access("NOTHING"), "Person.scoreUsed")).not.toBe(first);
  });
});
