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
      true,
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
      true,
    );
    expect(response.data).toEqual({ _entities: [null, null] });
    expect(response.errors?.map((e) => e.path)).toEqual([
      ["_entities", 0, "healthCoverage"],
      ["_entities", 0, "history"],
      ["_entities", 1, "directAid"],
    ]);
  });

  it("is a single error when the operation cannot be read", () => {
    expect(unavailableResponse({}, undefined, error, false)).toEqual({ errors: [error] });
  });

  it("does not let a mutation that was sent read as not done", () => {
    const mutation = { query: "mutation { enrol(id: 1) { id } }" };
    expect(unavailableResponse(mutation, undefined, error, true).errors).toEqual([
      {
        message: `${error.message}; the change may or may not have been made`,
        path: ["enrol"],
        extensions: { ...error.extensions, outcome: "UNKNOWN" },
      },
    ]);
    // Never sent (an open circuit): plainly unavailable.
    expect(unavailableResponse(mutation, undefined, error, false).errors).toEqual([{ ...error, path: ["enrol"] }]);
  });
});
