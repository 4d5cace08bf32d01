import { buildSchema, type OperationDefinitionNode, parse } from "graphql";
import { nullRefused } from "../edge/refused-objects.js";

const schema = buildSchema(/* GraphQL */ `
  type Query {
    household: Household
    households: [Household!]
  }
  type Household {
    id: ID!
    members: [Member]
    head: Member!
  }
  type Member {
    relationship: String
    person: Person
  }
  type Person {
    idcs: ID!
    firstName: String
  }
`);

function run(query: string, data: Record<string, unknown>, path: (string | number)[]) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition");
  nullRefused(schema, document, operation!, data, [
    { message: "Not allowed", path, extensions: { code: "FORBIDDEN" } },
  ]);
  return data;
}

describe("nullRefused", () => {
  it("nulls the object served beside a FORBIDDEN, under an alias and through fragments", () => {
    const data = run(
      "{ h: household { members { ...M } } } fragment M on Member { ... on Member { who: person { idcs } } }",
      { h: { members: [{ who: { idcs: "1" } }, { who: { idcs: "2" } }] } },
      ["h", "members", 1, "who"],
    );
    expect(data).toEqual({ h: { members: [{ who: { idcs: "1" } }, { who: null }] } });
  });

  it("takes the null to the nearest nullable position when the refused one is non-null", () => {
    const data = run(
      "{ households { id head { person { idcs } } } }",
      { households: [{ id: "a", head: { person: { idcs: "1" } } }] },
      ["households", 0, "head"],
    );
    // head is Member!, the item Household! too: the list itself is the nearest nullable position.
    expect(data).toEqual({ households: null });
  });

  it("leaves a position already null, and one the operation does not select, alone", () => {
    const served = { household: { id: "a", members: null } };
    expect(run("{ household { id members { relationship } } }", served, ["household", "members"])).toEqual(served);
    expect(run("{ household { id } }", { household: { id: "a" } }, ["household", "nothing"])).toEqual({
      household: { id: "a" },
    });
  });
});
