import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { type Access, accessOf } from "@spx/runtime/access";
import { buildSchema, type DocumentNode, parse, print, validate } from "graphql";
import { authorizeOperation } from "../authorize-operation.js";
import { AuthorizingGateway } from "../authorizing-gateway.js";
import { FieldAccess } from "../field-access.js";
import { readSupergraphPolicy } from "../supergraph-policy.js";

// A small supergraph-shaped schema with what the real one lacks: an interface whose
// implementations are protected differently, and a field nobody classified.
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
    person(idcs: ID!): Person @requiresScopes(scopes: [["identity:core"]])
    benefits: [Benefit] @requiresScopes(scopes: [["health:coverage"], ["aid:enrolment"]])
    stats: Int @requiresScopes(scopes: [["stats:read"]])
    unclassified: String
  }
  type Person @policy(policies: [["nationwide"], ["sameRegion"]]) {
    idcs: ID @requiresScopes(scopes: [["identity:core"]])
    phone: String @requiresScopes(scopes: [["identity:contact"]])
    household: Household @requiresScopes(scopes: [["social:composition"]])
  }
  type Household {
    size: Int @requiresScopes(scopes: [["social:composition"]])
    score: String @requiresScopes(scopes: [["social:index"]])
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

function access(key: string, scopes: string[], policies: string[] = ["nationwide"]): Access {
  const { edge } = accessOf({ agency: "MSPS", role: "SYSTEM" });
  return {
    key,
    scopes: new Set(scopes),
    policies: new Set(policies),
    purposes: new Set(),
    role: "SYSTEM",
    edge,
  } as unknown as Access;
}

const caseWorker = access("cw", ["identity:core", "social:composition", "health:coverage"], ["sameRegion"]);

function decide(caller: Access, query: string, operationName: string | null = null) {
  const document = parse(query);
  const decision = authorizeOperation(schema, fieldAccess, caller, document, operationName, "hash");
  // Whatever was removed, what remains must still be a valid operation.
  expect(validate(schema, decision.document)).toEqual([]);
  return { ...decision, printed: print(decision.document), original: document };
}

function fields(document: DocumentNode): string {
  return print(document).replace(/\s+/g, " ");
}

describe("authorizeOperation", () => {
  it("leaves an operation the caller may fully read untouched, hash included", () => {
    const result = decide(caseWorker, '{ person(idcs: "1") { idcs household { size } } }');
    expect(result.refusals).toEqual([]);
    expect(result.document).toBe(result.original);
    expect(result.queryHash).toBe("hash");
  });

  it("removes a refused field under every alias, reporting each response path", () => {
    const result = decide(caseWorker, '{ person(idcs: "1") { idcs phone tel: phone t2: phone } }');
    expect(result.refusals).toEqual([
      { path: ["person", "phone"], coordinate: "Person.phone" },
      { path: ["person", "tel"], coordinate: "Person.phone" },
      { path: ["person", "t2"], coordinate: "Person.phone" },
    ]);
    expect(fields(result.document)).not.toContain("phone");
    expect(result.queryHash).not.toBe("hash");
  });

  it("removes refused fields inside named and inline fragments, wherever they are spread", () => {
    const result = decide(
      caseWorker,
      `query Q { a: person(idcs: "1") { ...Contact } b: person(idcs: "2") { ... on Person { phone idcs } } }
       fragment Contact on Person { idcs phone }`,
    );
    expect(result.refusals.map((r) => r.path)).toEqual([
      ["a", "phone"],
      ["b", "phone"],
    ]);
    expect(fields(result.document)).not.toContain("phone");
  });

  it("removes a field behind @include whatever the variable, and the variable it alone used", () => {
    const result = decide(
      caseWorker,
      "query Q($show: Boolean!, $idcs: ID!) { person(idcs: $idcs) { idcs phone @include(if: $show) } }",
    );
    expect(result.refusals).toEqual([{ path: ["person", "phone"], coordinate: "Person.phone" }]);
    expect(result.printed).not.toContain("$show");
    expect(result.printed).toContain("$idcs");
  });

  it("refuses a field nested under an allowed one, keeping the allowed parent with a placeholder", () => {
    const result = decide(caseWorker, '{ person(idcs: "1") { household { score } } }');
    expect(result.refusals).toEqual([{ path: ["person", "household", "score"], coordinate: "Household.score" }]);
    expect(result.placeholder).toBe(true);
  });

  it("drops fragments that were only spread under refused fields", () => {
    const result = decide(
      access("analyst", ["stats:read"], []),
      `{ stats person(idcs: "1") { ...P } } fragment P on Person { idcs }`,
    );
    expect(result.refusals).toEqual([{ path: ["person"], coordinate: "Query.person" }]);
    expect(result.printed).not.toContain("fragment");
  });

  it("reads a field through an interface only where every implementation allows it", () => {
    const insurer = access("insurer", ["health:coverage"]);
    const through = decide(insurer, "{ benefits { amount } }");
    expect(through.refusals).toEqual([{ path: ["benefits", "@", "amount"], coordinate: "Benefit.amount" }]);
    const narrowed = decide(insurer, "{ benefits { ... on Coverage { amount } ... on Aid { amount } } }");
    expect(narrowed.refusals).toEqual([{ path: ["benefits", "@", "amount"], coordinate: "Aid.amount" }]);
    expect(narrowed.printed).toContain("... on Coverage");
  });

  it("refuses a type to a caller who holds none of its row policies", () => {
    const citizen = access("citizen", ["identity:core"], ["self"]);
    expect(decide(citizen, '{ person(idcs: "1") { idcs } }').refusals).toEqual([
      { path: ["person"], coordinate: "Query.person" },
    ]);
  });

  it("refuses a field that no rule classifies, even to a caller holding every scope", () => {
    const everything = access("all", [
      "identity:core",
      "identity:contact",
      "social:composition",
      "social:index",
      "stats:read",
    ]);
    expect(decide(everything, "{ unclassified stats }").refusals).toEqual([
      { path: ["unclassified"], coordinate: "Query.unclassified" },
    ]);
  });

  it("keeps only the operation asked for", () => {
    const result = decide(caseWorker, 'query A { stats } query B { person(idcs: "1") { idcs } }', "A");
    expect(result.refusals).toEqual([{ path: ["stats"], coordinate: "Query.stats" }]);
    expect(result.printed).not.toContain("query B");
  });
});

describe("AuthorizingGateway decisions", () => {
  const gateway = new AuthorizingGateway(
    { load: async () => ({ executor: null }), onSchemaLoadOrUpdate: () => () => {}, stop: async () => {} },
    fieldAccess,
    () => undefined,
  );
  const requestContext = (query: string) =>
    ({
      schema,
      document: parse(query),
      operationName: null,
      queryHash: query,
    }) as unknown as GatewayGraphQLRequestContext;

  it("are computed once per grant and operation document, then served from the cache", () => {
    const query = '{ person(idcs: "1") { idcs phone } }';
    const first = gateway.decide(requestContext(query), caseWorker);
    expect(gateway.decide(requestContext(query), caseWorker)).toBe(first);
    const other = gateway.decide(requestContext(query), access("contact", ["identity:core", "identity:contact"]));
    expect(other).not.toBe(first);
    expect(other.refusals).toEqual([]);
    expect(first.refusals).toHaveLength(1);
  });
});

describe("authorizeOperation on fragments spread at every level", () => {
  /** `person { ...F0 }`, each F_i spreading F_{i+1} twice, the last one reading a refused field. */
  const doubler = (levels: number) =>
    `{ person(idcs: "1") { ...F0 } } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Person { idcs ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F${levels} on Person { phone household { size score } }`;

  it("walks each fragment once: 60 levels of doubling in well under 100 ms", () => {
    const document = parse(doubler(60));
    const started = performance.now();
    authorizeOperation(schema, fieldAccess, caseWorker, document, null, "hash");
    expect(performance.now() - started).toBeLessThan(100);
    const result = decide(caseWorker, doubler(60));
    // Once each, though 2^60 spreads lead to them.
    expect(result.refusals).toEqual([
      { path: ["person", "phone"], coordinate: "Person.phone" },
      { path: ["person", "household", "score"], coordinate: "Household.score" },
    ]);
    expect(fields(result.document)).not.toContain("phone");
    expect(fields(result.document)).not.toContain("score");
  });

  it("prefixes what a fragment refuses with each distinct place it is spread", () => {
    const result = decide(
      caseWorker,
      `{ a: person(idcs: "1") { ...P ...P } b: person(idcs: "2") { household { size } ...P } }
       fragment P on Person { ...Q } fragment Q on Person { phone }`,
    );
    expect(result.refusals).toEqual([
      { path: ["a", "phone"], coordinate: "Person.phone" },
      { path: ["b", "phone"], coordinate: "Person.phone" },
    ]);
  });
});
