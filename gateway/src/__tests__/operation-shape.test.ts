import { getIntrospectionQuery, parse } from "graphql";
import { countTokens, lexedTokens, measureOperation, SATURATED } from "../edge/operation-shape.js";

const shapeOf = (text: string, operationName?: string) => measureOperation(parse(text), operationName, text);

/** `query { ...F0 }` where each F_i spreads F_{i+1} twice: 2^levels leaves once expanded. */
function doubler(levels: number, leaf = "__typename"): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query { ...F0 } ${fragments.join(" ")} fragment F${levels} on Query { ${leaf} }`;
}

describe("the shape of an operation", () => {
  it("counts depth from 1 at the root, through inline fragments and spreads without adding levels", () => {
    const shape = shapeOf(`
      query { person(idcs: "1") { ...H } }
      fragment H on Person { household { ... on Household { members { person { idcs } } } } }
    `);
    expect(shape.depth).toBe(5);
  });

  it("lets introspection through the depth limit (graphql-js bounds its nesting), counting its fields", () => {
    const text = getIntrospectionQuery();
    const shape = shapeOf(text);
    expect(shape.depth).toBe(1);
    expect(shape.selections).toBeGreaterThan(200);
  });

  it("counts every field, __typename included, and every alias, after expanding fragments", () => {
    const shape = shapeOf(`
      query { a: person(idcs: "1") { ...P } b: person(idcs: "2") { ...P } __typename }
      fragment P on Person { idcs t: __typename }
    `);
    // a, b, __typename at the root; idcs and t under each person.
    expect(shape.selections).toBe(7);
    expect(shape.aliases).toBe(4);
    expect(shape.rootFields).toBe(3);
  });

  it("counts root fields through root-level fragments, not nested ones", () => {
    const shape = shapeOf(`
      query { ...R ... on Query { c: __typename } person(idcs: "1") { idcs firstName } }
      fragment R on Query { a: __typename b: __typename }
    `);
    expect(shape.rootFields).toBe(4);
  });

  it("measures the named operation of a document with several", () => {
    const text = `query A { person(idcs: "1") { idcs } } query B { x: __typename y: __typename }`;
    expect(shapeOf(text, "A")).toMatchObject({ aliases: 0, depth: 2 });
    expect(shapeOf(text, "B")).toMatchObject({ aliases: 2, depth: 1 });
  });

  it("takes the most directives on any one location, wherever it is", () => {
    const shape = shapeOf(`
      query Q($a: Boolean!) @x @y { person(idcs: "1") @include(if: $a) { ...P @skip(if: $a) @a @b } }
      fragment P on Person @a { idcs @a @b @c @d @e }
    `);
    expect(shape.directivesPerLocation).toBe(5);
  });

  it("counts tokens as graphql-js's maxTokens does: comments and commas are not tokens", () => {
    const text = `# a comment\n{ a, b ,c }`;
    expect(countTokens(parse(text), text)).toBe(5);
    expect(lexedTokens(text, 100)).toBe(5);
    expect(() => parse(text, { maxTokens: 5 })).not.toThrow();
    expect(() => parse(text, { maxTokens: 4 })).toThrow(/more that 4 tokens/);
  });

  it("stops lexing just past the cap, however long the text", () => {
    const text = `{ ${"a ".repeat(200_000)}}`;
    expect(lexedTokens(text, 10)).toBe(11);
  });

  it("counts UTF-8 bytes of the text, not characters", () => {
    const text = `{ person(idcs: "é") { idcs } }`;
    expect(shapeOf(text).documentBytes).toBe(text.length + 1);
  });

  it("measures a fragment doubled 60 times in linear time, the counts saturated", () => {
    const text = doubler(60);
    const started = performance.now();
    const shape = shapeOf(text);
    expect(performance.now() - started).toBeLessThan(50);
    expect(shape.selections).toBe(SATURATED);
    expect(shape.rootFields).toBe(SATURATED);
    expect(shape.depth).toBe(1);
  });

  it("counts 2^n expanded fields for n doublings below saturation", () => {
    expect(shapeOf(doubler(10)).selections).toBe(1024);
    expect(shapeOf(doubler(10, "t: __typename")).aliases).toBe(1024);
  });
});
