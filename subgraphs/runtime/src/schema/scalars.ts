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

const AMOUNT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

function parseAmount(value: unknown): number {
  if (typeof value !== "string" || !AMOUNT.test(value)) {
    throw badValue("MadAmount", 'a non-negative amount in dirhams as a decimal string, e.g. "120.50"');
  }
  const [whole = "0", fraction = ""] = value.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/**
 * An amount of Moroccan dirhams as a decimal string ("120.50"), held as integer centimes inside:
 * money never passes through a float.
 */
export const MadAmountScalar = new GraphQLScalarType<number, string>({
  name: "MadAmount",
  description: 'Amount in Moroccan dirhams (MAD), a decimal string with at most 2 decimals, e.g. "120.50"',
  serialize: (value) => {
    const centimes = value as number;
    return `${Math.trunc(centimes / 100)}.${String(Math.abs(centimes % 100)).padStart(2, "0")}`;
  },
  parseValue: parseAmount,
  parseLiteral: (ast) => parseAmount(ast.kind === Kind.STRING ? ast.value : null),
});

const DECIMAL = /^-?\d{1,5}\.\d{7}$/;

/** A fixed-point number with 7 decimals as a string ("9.3264284"): index scores and thresholds. */
export const Decimal7Scalar = new GraphQLScalarType<string, string>({
  name: "Decimal7",
  description: 'A decimal number with exactly 7 decimals, as a string, e.g. "9.3264284"',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== "string" || !DECIMAL.test(value)) {
      throw badValue("Decimal7", 'a decimal string with 7 decimals, e.g. "9.3264284"');
    }
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !DECIMAL.test(ast.value)) {
      throw badValue("Decimal7", 'a decimal string with 7 decimals, e.g. "9.3264284"');
    }
    return ast.value;
  },
});
