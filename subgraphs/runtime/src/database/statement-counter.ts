import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQueryable } from "@prisma/driver-adapter-utils";

/** Number of SQL statements Prisma has sent; tests read it to prove that lookups are batched. */
export interface StatementCounter {
  count: number;
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
          return value.apply(target, args);
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
