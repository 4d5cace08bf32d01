import { GraphQLError } from "graphql";
import { DomainError, maskError, ValidationError } from "../errors/errors.js";

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

  it("answers REGISTER_BUSY, retryable, when the database had no connection or transaction in time", () => {
    // Prisma's error when an interactive transaction cannot start within maxWait (the pool is
    // taken), and a lost deadlock as the driver adapter wraps it.
    const noTransaction = Object.assign(
      new Error("Transaction API error: Unable to start a transaction in the given time."),
      {
        code: "P2028",
      },
    );
    const deadlock = Object.assign(new Error("deadlock detected"), {
      code: "P2010",
      meta: { driverAdapterError: { cause: { kind: "postgres", code: "40P01", message: "deadlock detected" } } },
    });
    for (const cause of [noTransaction, deadlock]) {
      const reported: unknown[] = [];
      const busy: string[] = [];
      const error = new GraphQLError(cause.message, { originalError: cause, path: ["declareLivingConditions"] });
      const result = maskError(
        error.toJSON(),
        error,
        (e) => reported.push(e),
        (c) => busy.push(c),
      );
      expect(result.extensions).toEqual({ code: "REGISTER_BUSY", retryable: true });
      expect(result.message).not.toContain("Transaction API");
      expect(result.path).toEqual(["declareLivingConditions"]);
      expect(reported).toEqual([]);
      expect(busy).toEqual([cause === noTransaction ? "P2028" : "40P01"]);
    }
    // node-postgres's own timeouts carry no code: a connection never had says "nothing was done";
    // an answer never read does not, as a COMMIT may have taken effect.
    const noConnection = new Error("Connection terminated due to connection timeout");
    const noAnswer = new Error("Query read timeout");
    expect(format(new GraphQLError("x", { originalError: noConnection })).result).toMatchObject({
      message: expect.stringContaining("did nothing"),
      extensions: { code: "REGISTER_BUSY", retryable: true },
    });
    const unknown = format(new GraphQLError("x", { originalError: noAnswer })).result;
    expect(unknown.extensions).toEqual({ code: "REGISTER_BUSY", retryable: true, outcome: "UNKNOWN" });
    expect(unknown.message).not.toContain("did nothing");
    // A constraint violation is not a busy register: it stays an internal error.
    const unique = Object.assign(new Error("Unique constraint failed"), { code: "P2002" });
    expect(format(new GraphQLError("x", { originalError: unique })).result.extensions?.code).toBe(
      "INTERNAL_SERVER_ERROR",
    );
  });
});
