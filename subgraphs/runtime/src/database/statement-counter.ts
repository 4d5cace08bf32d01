import { SpanKind } from "@opentelemetry/api";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlQueryable } from "@prisma/driver-adapter-utils";
import { inSpan } from "../telemetry/spans.js";

/** Number of SQL statements Prisma has sent; tests read it to prove that lookups are batched. */
export interface StatementCounter {
  count: number;
}

/**
 * One CLIENT span per statement: its text as sent, parameterized (the values travel apart and
 * stay out of the span), and the rows it returned or changed.
 */
export function tracedStatement<T>(sql: string, run: () => Promise<T>): Promise<T> {
  return inSpan(
    "db.query",
    { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql", "db.query.text": sql } },
    async (span) => {
      const result = await run();
      const rows = typeof result === "number" ? result : (result as { rows?: unknown[] } | null)?.rows?.length;
      if (rows !== undefined) {
        span.setAttribute("db.response.returned_rows", rows);
      }
      return result;
    },
  );
}

function countQueries<T extends SqlQueryable>(queryable: T, counter: StatementCounter): T {
  return new Proxy(queryable, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") {
        return value;
      }
      if (property === "queryRaw" || property === "executeRaw") {
        return (...args: unknown[]) => {
          counter.count++;
          // Prisma's statement as sent: parameterized, its values in `args`.
          const query = args[0] as SqlQuery | undefined;
          return tracedStatement(query?.sql ?? "", async (): Promise<unknown> => value.apply(target, args));
        };
      }
      if (property === "startTransaction") {
        return async (...args: unknown[]) => countQueries(await value.apply(target, args), counter);
      }
      return value.bind(target);
    },
  });
}

export function countStatements(factory: SqlDriverAdapterFactory, counter: StatementCounter): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => countQueries(await factory.connect(), counter),
  };
}
