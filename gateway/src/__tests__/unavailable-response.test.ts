import { unavailableResponse } from "../edge/unavailable-response.js";

const error = { message: "The population register did not answer", extensions: { code: "SUBGRAPH_UNAVAILABLE" } };

describe("the answer of a subgraph that did not answer", () => {
  it("is one null and one error per root field, under its response key", () => {
    const response = unavailableResponse(
      {
        query:
          "query Q($id: ID!) { a: person(idcs: $id) { idcs } __typename ...More } fragment More on Query { stats { n } }",
      },
      undefined,
      error,
    );
    expect(response.data).toEqual({ a: null, stats: null });
    expect(response.errors).toEqual([
      { ...error, path: ["a"] },
      { ...error, path: ["stats"] },
    ]);
  });

  it("is one error per entity and field asked of it, by the entity's type", () => {
    const response = unavailableResponse(
      {
        query: `query($representations: [_Any!]!) { _entities(representations: $representations) {
          ... on Person { healthCoverage { regime } history: coverageHistory { regime } }
          ... on Household { ...Aid }
        } } fragment Aid on Household { directAid { status } }`,
        variables: {
          representations: [
            { __typename: "Person", idcs: "1" },
            { __typename: "Household", id: "h" },
          ],
        },
      },
      undefined,
      error,
    );
    expect(response.data).toEqual({ _entities: [null, null] });
    expect(response.errors?.map((e) => e.path)).toEqual([
      ["_entities", 0, "healthCoverage"],
      ["_entities", 0, "history"],
      ["_entities", 1, "directAid"],
    ]);
  });

  it("is a single error when the operation cannot be read", () => {
    expect(unavailableResponse({}, undefined, error)).toEqual({ errors: [error] });
  });
});
