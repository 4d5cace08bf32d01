import { ApolloServer } from "@apollo/server";
import { type Access, AccessTrail, accessOf, catalogue, grantKey, type OperationLimits } from "@spx/runtime/access";
import { createLogger } from "@spx/runtime/logging";
import { parse } from "graphql";
import type { ServedContext } from "../context.js";
import { exceededLimit, operationLimitsPlugin } from "../edge/operation-limits.js";
import { measureOperation } from "../edge/operation-shape.js";
import { ShapeCache } from "../edge/shape-cache.js";

const typeDefs = /* GraphQL */ `
  directive @tag(name: String) repeatable on FIELD
  type Query {
    a: String
    b: Node
  }
  type Node {
    a: String
    b: Node
  }
`;

const defaults: OperationLimits = {
  depth: 3,
  aliases: 2,
  rootFields: 3,
  selections: 6,
  tokens: 40,
  directivesPerLocation: 2,
  documentBytes: 200,
};

/** Leaves resolved so far: none for a refused operation. */
let resolved = 0;
const leaf = () => {
  resolved++;
  return "a";
};
const resolvers = {
  Query: { a: leaf, b: () => ({}) },
  Node: { a: leaf, b: () => ({}) },
};

async function serverWith(ceilingTokens = 1000) {
  const server = new ApolloServer<ServedContext>({
    typeDefs,
    resolvers,
    parseOptions: { maxTokens: ceilingTokens },
    plugins: [operationLimitsPlugin({ defaults, shapes: new ShapeCache() })],
  });
  await server.start();
  return server;
}

const log = createLogger("test", "silent");
const anonymous = (): ServedContext => ({ requestId: "r", log, trail: new AccessTrail(), accessLog: undefined });
function withLimits(limits: Partial<OperationLimits>): ServedContext {
  const base = accessOf({ agency: "ANR", role: "SYSTEM" });
  const access: Access = { ...base, edge: { ...base.edge, limits: { ...defaults, ...limits } } };
  return { ...anonymous(), access } as ServedContext;
}

async function run(server: ApolloServer<ServedContext>, query: string, contextValue = anonymous()) {
  const before = resolved;
  const response = await server.executeOperation({ query }, { contextValue });
  const body = response.body.kind === "single" ? response.body.singleResult : undefined;
  return {
    status: response.http.status ?? 200,
    extensions: body?.errors?.[0]?.extensions,
    resolved: resolved - before,
  };
}

const refused = (limit: keyof OperationLimits, allowed: number) => ({
  status: 400,
  extensions: { code: "OPERATION_LIMIT_EXCEEDED", limit, allowed },
  resolved: 0,
});

describe("the operation limits plugin", () => {
  let server: ApolloServer<ServedContext>;
  beforeAll(async () => {
    server = await serverWith();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("uses the catalogue's defaults for a request without a caller, just under and just over each", async () => {
    const cases: [keyof OperationLimits, string, string][] = [
      ["depth", "{ b { b { a } } }", "{ b { b { b { a } } } }"],
      ["aliases", "{ b { x: a y: a } }", "{ b { x: a y: a z: a } }"],
      ["rootFields", "{ a b { a } c: a }", "{ a b { a } c: a d: a }"],
      ["selections", "{ b { a b { a } } a c: a }", "{ b { a b { a a } } a c: a }"],
      ["directivesPerLocation", "{ a @tag @tag }", "{ a @tag @tag @tag }"],
      ["documentBytes", `{ a } #${"x".repeat(200 - 7)}`, `{ a } #${"x".repeat(201 - 7)}`],
    ];
    for (const [limit, under, over] of cases) {
      expect({ limit, ...(await run(server, under)) }).toMatchObject({ limit, status: 200, extensions: undefined });
      expect({ limit, ...(await run(server, over)) }).toEqual({ limit, ...refused(limit, defaults[limit]) });
    }
  });

  it("counts __typename for aliases and selections", async () => {
    expect(await run(server, "{ x: __typename y: __typename z: __typename }")).toEqual(refused("aliases", 2));
  });

  it("holds each caller to its own grant, though the document's shape is measured once", async () => {
    const query = "{ b { b { b { a } } } }";
    expect(await run(server, query, withLimits({ depth: 4 }))).toMatchObject({ status: 200, resolved: 1 });
    expect(await run(server, query, withLimits({ depth: 2 }))).toEqual(refused("depth", 2));
  });

  it("refuses tokens over the grant's limit once parsed, and over the parser's ceiling as the same refusal", async () => {
    const tokens = (n: number) => `{ a ${"b { a } ".repeat((n - 3) / 4)}}`;
    const small = await serverWith(40);
    try {
      expect(await run(small, tokens(39), withLimits({ tokens: 39, rootFields: 100, selections: 100 }))).toMatchObject({
        status: 200,
      });
      // Over the grant's 35, under the parser's 40: parsed, then refused.
      expect(await run(small, tokens(39), withLimits({ tokens: 35, rootFields: 100, selections: 100 }))).toEqual(
        refused("tokens", 35),
      );
      // Over the parser's ceiling: never parsed, refused all the same.
      expect(await run(small, tokens(43), withLimits({ tokens: 40, rootFields: 100, selections: 100 }))).toEqual(
        refused("tokens", 40),
      );
    } finally {
      await small.stop();
    }
  });

  it("leaves a plain syntax error a syntax error", async () => {
    const { status, extensions } = await run(server, "{ a ");
    expect({ status, code: extensions?.code }).toEqual({ status: 400, code: "GRAPHQL_PARSE_FAILED" });
  });
});

describe("the abuse documents", () => {
  const doubler = (levels: number) =>
    `query { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F${levels} on Query { person(idcs: "1") { idcs } }`;
  const aliases = (n: number, field: string) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
  const abuse: Record<string, string> = {
    "doubler, 30 levels": doubler(30),
    "doubler, 60 levels": doubler(60),
    "person/household/members nested 9 levels":
      '{ person(idcs: "1") { household { members { person { household { members { person { household { members { relationship } } } } } } } } } }',
    "1,000 aliases of persons(first: 100)": aliases(1000, "persons(first: 100) { edges { node { idcs } } }"),
    "200 aliases of persons(first: 100)": aliases(200, "persons(first: 100) { edges { node { idcs } } }"),
    "40,000 aliases of __typename": aliases(40_000, "__typename"),
  };

  it("are over some limit of every grant in the catalogue, and of the defaults", () => {
    const grants = [
      ...catalogue().grants.map(
        (grant) =>
          [
            grantKey(grant.agency, grant.role),
            accessOf({ agency: grant.agency ?? undefined, role: grant.role }).edge.limits,
          ] as const,
      ),
      ["defaults", catalogue().edge.limits] as const,
    ];
    for (const [name, text] of Object.entries(abuse)) {
      const shape = measureOperation(parse(text), null, text);
      for (const [grant, limits] of grants) {
        expect({ name, grant, refused: exceededLimit(shape, limits) !== undefined }).toEqual({
          name,
          grant,
          refused: true,
        });
      }
    }
  });
});
