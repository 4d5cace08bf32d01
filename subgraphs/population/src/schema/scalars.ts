import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function badValue(name: string, expected: string): GraphQLError {
  return new GraphQLError(`${name} must be ${expected}`, { extensions: { code: "BAD_USER_INPUT" } });
}

function parseDate(value: unknown): Date {
  const match = typeof value === "string" ? ISO_DATE.exec(value) : null;
  if (!match) {
    throw badValue("Date", "an ISO-8601 calendar date (YYYY-MM-DD)");
  }
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  // Rejects 2023-02-30 and the like, which Date would silently roll over.
  if (date.toISOString().slice(0, 10) !== value) {
    throw badValue("Date", "a real calendar date");
  }
  return date;
}

function parseDateTime(value: unknown): Date {
  const date = typeof value === "string" && /T.*(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw badValue("DateTime", "an ISO-8601 date-time with a time zone");
  }
  return date;
}

/** A calendar date without time or zone, as ISO-8601 `YYYY-MM-DD`. */
export const DateScalar = new GraphQLScalarType<Date, string>({
  name: "Date",
  description: "A calendar date, ISO-8601 YYYY-MM-DD",
  serialize: (value) => (value as Date).toISOString().slice(0, 10),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});

/** An instant, as ISO-8601 with a zone (UTC on output). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "An instant, ISO-8601 with a time zone",
  serialize: (value) => (value as Date).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});
