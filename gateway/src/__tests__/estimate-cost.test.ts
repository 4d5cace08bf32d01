import { readFileSync } from "node:fs";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { buildSchema, isObjectType, parse } from "graphql";
import { actualCost } from "../edge/actual-cost.js";
import { readCostModel } from "../edge/cost-model.js";
import { costProblems } from "../edge/cost-report.js";
import { estimateCost } from "../edge/estimate-cost.js";
import { EstimateMemo } from "../edge/estimate-memo.js";
import { readSupergraphPolicy } from "../supergraph-policy.js";

// The committed supergraph: the figures below are what the registers declare today.
const sdl = readFileSync(SUPERGRAPH_FILE, "utf8");
const schema = buildSchema(readSupergraphPolicy(sdl).executableSdl, { assumeValidSDL: true });
const model = readCostModel(sdl);

const estimate = (document: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  estimateCost(schema, model, parse(document), operationName, variables);
const measure = (document: string, data: Record<string, unknown>, variables: Record<string, unknown> = {}) =>
  actualCost(schema, model, parse(document), undefined, variables, data);

describe("the cost model read from the supergraph", () => {
  it("holds the registers' @cost and @listSize", () => {
    expect(model.weights.get("Mutation.runMonthlyPayments")).toBe(1000);
    expect(model.weights.get("Query.populationStatistics")).toBe(5);
    expect(model.listSizes.get("Household.members")).toMatchObject({ assumedSize: 30 });
    expect(model.listSizes.get("Query.persons")).toMatchObject({
      slicingArguments: ["first"],
      sizedFields: ["edges"],
      assumedSize: 20,
    });
  });
});

describe("reading a supergraph that renames the cost directives", () => {
  it("follows the @link's imports, and weighs an argument once per field", () => {
    const renamed = readCostModel(/* GraphQL */ `
      schema
        @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://specs.apollo.dev/cost/v0.1", as: "demand", import: [{ name: "@listSize", as: "@size" }]) {
        query: Query
      }
      type Query {
        search(text: String @demand(weight: 7), first: Int): [Hit] @size(slicingArguments: ["first"], requireOneSlicingArgument: false)
        costly: Hit @demand(weight: 40)
      }
      type Hit { id: ID }
    `);
    expect(renamed.weights).toEqual(
      new Map([
        ["Query.search(text:)", 7],
        ["Query.costly", 40],
      ]),
    );
    expect(renamed.listSizes.get("Query.search")).toMatchObject({ slicingArguments: ["first"] });
    const small = buildSchema(`type Query { search(text: String, first: Int): [Hit] costly: Hit } type Hit { id: ID }`);
    const cost = (document: string) => estimateCost(small, renamed, parse(document), undefined, {});
    expect(cost(`{ search(text: "a", first: 4) { id } }`)).toBe(4 + 7);
    expect(cost(`{ search(first: 4) { id } costly { id } }`)).toBe(4 + 40);
  });
});

describe("the compose check", () => {
  // The graph's own types, as compose hands them over: not introspection's.
  const types = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith("__"));

  it("finds every list of objects sized in the committed supergraph", () => {
    expect(costProblems(types, model)).toEqual([]);
  });

  it("refuses a list of objects that declares no size", () => {
    const listSizes = new Map(model.listSizes);
    listSizes.delete("Household.members");
    expect(costProblems(types, { ...model, listSizes })).toEqual([
      "Household.members is a list of objects without @listSize: declare its size where it is defined",
    ]);
  });
});

describe("estimating an operation's cost", () => {
  it("weighs objects 1 and scalars 0, and a mutation 10 more", () => {
    expect(estimate(`{ person(idcs: "1062609475") { idcs firstName } }`)).toBe(1);
    expect(estimate(`{ person(idcs: "1062609475") { idcs address { regionCode } } }`)).toBe(2);
    expect(
      estimate(`mutation { recordDeath(idcs: "1062609475", dateOfDeath: "2026-01-01") { person { idcs } } }`),
    ).toBe(12);
  });

  it("sizes a connection's edges by `first`, from a literal, a variable or the assumed page", () => {
    const page = `query Page($n: Int) { persons(first: $n) { edges { node { idcs } } } }`;
    expect(estimate(`{ persons(first: 3) { edges { node { idcs } } } }`)).toBe(1 + 3 * 2);
    expect(estimate(page, { n: 50 })).toBe(1 + 50 * 2);
    expect(estimate(page, {})).toBe(1 + 20 * 2);
    expect(estimate(`query Page($n: Int = 7) { persons(first: $n) { edges { node { idcs } } } }`)).toBe(1 + 7 * 2);
  });

  it("counts an argument's default value as given", () => {
    const payments = (args: string) =>
      `{ person(idcs: "1") { household { directAid { payments${args} { month } } } } }`;
    // person, household, directAid, then 12 or 3 orders
    expect(estimate(payments(""))).toBe(3 + 12);
    expect(estimate(payments("(last: 3)"))).toBe(3 + 3);
  });

  it("sizes a batch by keys by the length of its list, literal or variable", () => {
    const batch = `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime } } }`;
    expect(estimate(batch, { idcs: Array.from({ length: 100 }, () => "1062609475") })).toBe(200);
    expect(estimate(`{ people(idcs: ["1", "2", "3"]) { idcs } }`)).toBe(3);
    expect(estimate(`{ people(idcs: "1") { idcs } }`)).toBe(1);
  });

  it("leaves out what @skip and @include leave out", () => {
    const document = `query Q($full: Boolean!) { person(idcs: "1") { idcs household @include(if: $full) { id } } }`;
    expect(estimate(document, { full: false })).toBe(1);
    expect(estimate(document, { full: true })).toBe(2);
  });

  it("hands a connection's size down through a fragment, and costs each (fragment, size) once", () => {
    const document = `{
      a: persons(first: 5) { ...Page }
      b: persons(first: 7) { ...Page }
    }
    fragment Page on PersonConnection { edges { node { idcs } } }`;
    expect(estimate(document)).toBe(1 + 5 * 2 + (1 + 7 * 2));
  });

  it("estimates the operation named, not the document's first", () => {
    const document = `query A { person(idcs: "1") { idcs } } query B { persons(first: 3) { edges { cursor } } }`;
    expect(estimate(document, {}, "B")).toBe(1 + 3);
  });

  it("estimates a fragment-doubling document of 60 levels in linear time", () => {
    // Each level spreads the one below twice: 2^60 people by expansion, 61 fragments by memo.
    const levels = 60;
    const fragments = [`fragment F0 on Person { idcs legalRepresentative { idcs } }`];
    for (let level = 1; level <= levels; level++) {
      fragments.push(`fragment F${level} on Person { ...F${level - 1} ...F${level - 1} }`);
    }
    const document = parse(`{ person(idcs: "1062609475") { ...F${levels} } } ${fragments.join("\n")}`);
    const started = performance.now();
    const cost = estimateCost(schema, model, document, undefined, {});
    const elapsed = performance.now() - started;
    expect(cost).toBe(1 + 2 ** levels);
    expect(elapsed).toBeLessThan(50);
  });
});

describe("measuring an answer's actual cost", () => {
  it("counts the objects and list elements returned, not what was assumed", () => {
    const document = `{ persons(first: 100) { edges { node { idcs address { regionCode } } } } }`;
    const data = {
      persons: {
        edges: [
          { node: { idcs: "1", address: { regionCode: "02" } } },
          { node: { idcs: "2", address: null } },
          { node: null },
        ],
      },
    };
    // the connection, 3 edges, 2 nodes, 1 address
    expect(measure(document, data)).toBe(1 + 3 + 2 + 1);
    expect(estimate(document)).toBe(1 + 100 * 3);
  });

  it("counts a field selected twice once, as the answer holds it once", () => {
    const document = `{ person(idcs: "1") { idcs address { regionCode } address { commune } ...More } }
      fragment More on Person { address { province } }`;
    expect(
      measure(document, { person: { idcs: "1", address: { regionCode: "02", commune: "x", province: "y" } } }),
    ).toBe(2);
  });

  it("adds a mutation's base and an expensive field's weight", () => {
    expect(measure(`mutation { closeCoverageOfDeceased }`, { closeCoverageOfDeceased: 3 })).toBe(10 + 1000);
    expect(estimate(`mutation { closeCoverageOfDeceased }`)).toBe(10 + 1000);
  });
});

describe("estimates remembered per document", () => {
  // One parsed document per text, as Apollo's document store hands out.
  const memo = new EstimateMemo(schema, model);
  const remembered = (document: string, variables: Record<string, unknown>) =>
    memo.estimate(document, parse(document), undefined, variables);

  it("give the figure a fresh estimate gives, whatever the variables' sizes and conditions", () => {
    const page = `query Page($n: Int, $full: Boolean!) {
      persons(first: $n) { edges { node { idcs household @include(if: $full) { id } } } }
    }`;
    const batch = `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime } } }`;
    const cases: [string, Record<string, unknown>][] = [
      [page, { n: 5, full: false }],
      [page, { n: 5, full: true }],
      [page, { n: 50, full: false }],
      [page, { full: true }],
      [page, { n: 5, full: false }],
      [batch, { idcs: ["1", "2"] }],
      [batch, { idcs: Array.from({ length: 100 }, (_, i) => String(i)) }],
      [batch, { idcs: "1" }],
      [batch, { idcs: ["3", "4"] }],
    ];
    for (const [document, variables] of [...cases, ...cases]) {
      expect(remembered(document, variables)).toBe(estimate(document, variables));
    }
  });

  it("stay right past the number of variable shapes kept per document", () => {
    const page = `query Page($n: Int) { persons(first: $n) { edges { node { idcs } } } }`;
    for (let n = 0; n < 200; n++) {
      expect(remembered(page, { n })).toBe(1 + n * 2);
    }
  });
});

describe("measures of answers to one parsed document", () => {
  it("stay right when its conditions read variables, and when they do not", () => {
    const conditional = parse(
      `query Q($full: Boolean!) { person(idcs: "1") { idcs household @include(if: $full) { id } } }`,
    );
    const answer = { person: { idcs: "1", household: { id: "h" } } };
    expect(actualCost(schema, model, conditional, undefined, { full: true }, answer)).toBe(2);
    expect(actualCost(schema, model, conditional, undefined, { full: false }, { person: { idcs: "1" } })).toBe(1);
    expect(actualCost(schema, model, conditional, undefined, { full: true }, answer)).toBe(2);
    const plain = parse(`{ person(idcs: "1") { idcs household { id } } }`);
    expect(actualCost(schema, model, plain, undefined, {}, answer)).toBe(2);
    expect(actualCost(schema, model, plain, undefined, {}, { person: { idcs: "1", household: null } })).toBe(1);
  });
});
