import { GraphQLError } from "graphql";
import { DomainError, maskError, ValidationError } from "../errors.js";

function format(error: GraphQLError) {
  const reported: unknown[] = [];
  const result = maskError(error.toJSON(), error, (e) => reported.push(e));
  return { result, reported };
}

describe("maskError", () => {
  it("shows a domain error with its code and extensions, without the http hint", () => {
    const wrapped = new GraphQLError("x", {
      originalError: new DomainError("BAD_IDCS", "bad", { reason: "FORMAT", http: { status: 400 } }),
      path: ["person"],
    });
    const { result, reported } = format(wrapped);
    expect(result).toEqual({ message: "bad", path: ["person"], extensions: { code: "BAD_IDCS", reason: "FORMAT" } });
    expect(reported).toEqual([]);
  });

  it("lists every validation problem", () => {
    const { result } = format(
      new GraphQLError("x", { originalError: new ValidationError([{ field: "cin", message: "bad" }]) }),
    );
    expect(result.extensions).toEqual({ code: "BAD_USER_INPUT", problems: [{ field: "cin", message: "bad" }] });
  });

  it("hides an unexpected exception behind INTERNAL_SERVER_ERROR and reports it", () => {
    const boom = new Error('relation "person" does not exist at Query.person (/app/dist/x.js:1:1)');
    const { result, reported } = format(new GraphQLError(boom.message, { originalError: boom, path: ["person"] }));
    expect(result).toEqual({
      message: "Internal server error",
      path: ["person"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(reported).toEqual([boom]);
  });

  it("relays an error a subgraph already formatted (a plain object under the GraphQLError)", () => {
    const relayed = new GraphQLError("This IDCS has a wrong check digit", {
      originalError: {
        message: "This IDCS has a wrong check digit",
        extensions: { code: "BAD_IDCS" },
      } as unknown as Error,
      extensions: { code: "BAD_IDCS", serviceName: "population" },
    });
    expect(format(relayed).result.extensions).toEqual({ code: "BAD_IDCS", serviceName: "population" });
  });

  it("drops stack traces from GraphQL's own errors", () => {
    const { result } = format(
      new GraphQLError("Cannot query field", {
        extensions: { code: "GRAPHQL_VALIDATION_FAILED", stacktrace: ["at x"] },
      }),
    );
    expect(result.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
  });
});
