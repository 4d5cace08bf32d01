import type { Database } from "./database.js";

/** The part of Prisma's DMMF (`Prisma.dmmf.datamodel.models[n]`) this module reads. */
export interface ModelDescription {
  name: string;
  dbName: string | null;
  fields: readonly { name: string; dbName?: string | null; kind: string; type: string; isList: boolean }[];
}

type Scalar = string | number | boolean | null;

/** Rows whose `key` is one of `keys`, further narrowed by equalities (null: IS NULL), in order. */
export interface KeyedQuery<Row> {
  key: keyof Row & string;
  keys: readonly Scalar[];
  where?: Partial<Record<keyof Row & string, Scalar>>;
  orderBy?: readonly (readonly [keyof Row & string, "asc" | "desc"])[];
  /**
   * One row per key: the first by `orderBy` (a household's latest declaration), as PostgreSQL's
   * `DISTINCT ON`; rows come ordered by key first.
   */
  firstPerKey?: boolean;
}

/** What a Prisma model delegate offers that the fallback uses (e.g. `prisma.person`). */
export interface FindManyDelegate<Row> {
  findMany(args: {
    where?: Record<string, unknown>;
    orderBy?: Record<string, "asc" | "desc">[];
    distinct?: (keyof Row & string)[];
  }): Promise<Row[]>;
}

export interface KeyedReads<Row> {
  /** The rows, as Prisma's `findMany` returns them, in one statement. */
  find(query: KeyedQuery<Row>): Promise<Row[]>;
  /** The same through Prisma, always: the fallback, and the reference the fast path is tested against. */
  findWithPrisma(query: KeyedQuery<Row>): Promise<Row[]>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The data loaders' reads by key — a person by IDCS, a household's members — without Prisma's
 * per-query compilation, which costs about ten times the statement itself in CPU and was the
 * subgraphs' largest cost under load. The SQL is built once per model from Prisma's own model
 * description, and values are returned in Prisma's types (Decimal, BigInt, UTC dates), so a loader
 * can swap one for the other; a test holds them equal on real data. On PostgreSQL only: the
 * embedded database keeps Prisma's path.
 */
export function keyedReads<Row>(
  database: Database,
  model: ModelDescription,
  delegate: FindManyDelegate<Row>,
  decimal: (text: string) => unknown,
): KeyedReads<Row> {
  const scalars = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
  const column = new Map(scalars.map((f) => [f.name, quote(f.dbName ?? f.name)]));
  const select = scalars
    .map((f) => {
      // Lists of enums have no parser in node-pg: as text[] they arrive as arrays.
      const expression = f.kind === "enum" && f.isList ? `${column.get(f.name)}::text[]` : column.get(f.name);
      return `${expression} AS ${quote(f.name)}`;
    })
    .join(", ");
  const table = quote(model.dbName ?? model.name);
  const converters = scalars.flatMap((f) => {
    const convert = f.type === "Decimal" ? decimal : f.type === "BigInt" ? (text: string) => BigInt(text) : undefined;
    if (!convert) {
      return [];
    }
    return [
      (row: Record<string, unknown>) => {
        const value = row[f.name];
        if (typeof value === "string") {
          row[f.name] = convert(value);
        } else if (Array.isArray(value)) {
          row[f.name] = value.map((v) => (typeof v === "string" ? convert(v) : v));
        }
      },
    ];
  });
  const columnOf = (field: string) => {
    const name = column.get(field);
    if (!name) {
      throw new Error(`${model.name} has no column for ${field}`);
    }
    return name;
  };

  const orderOf = (query: KeyedQuery<Row>) => [
    ...(query.firstPerKey ? [[query.key, "asc"] as const] : []),
    ...(query.orderBy ?? []),
  ];
  const findWithPrisma = (query: KeyedQuery<Row>) => {
    const order = orderOf(query);
    return delegate.findMany({
      where: { [query.key]: { in: [...query.keys] }, ...query.where },
      ...(order.length > 0 ? { orderBy: order.map(([field, direction]) => ({ [field]: direction })) } : {}),
      ...(query.firstPerKey ? { distinct: [query.key] } : {}),
    });
  };

  const reads = database.reads;
  if (!reads) {
    return { find: findWithPrisma, findWithPrisma };
  }
  return {
    findWithPrisma,
    async find(query) {
      const params: unknown[] = [[...query.keys]];
      const conditions = [`${columnOf(query.key)} = ANY($1)`];
      for (const [field, value] of Object.entries(query.where ?? {})) {
        if (value === null) {
          conditions.push(`${columnOf(field)} IS NULL`);
        } else {
          params.push(value);
          conditions.push(`${columnOf(field)} = $${params.length}`);
        }
      }
      const ordering = orderOf(query);
      const order = ordering.length
        ? ` ORDER BY ${ordering.map(([field, direction]) => `${columnOf(field)} ${direction === "desc" ? "DESC" : "ASC"}`).join(", ")}`
        : "";
      const distinct = query.firstPerKey ? `DISTINCT ON (${columnOf(query.key)}) ` : "";
      const rows = await reads(
        `SELECT ${distinct}${select} FROM ${table} WHERE ${conditions.join(" AND ")}${order}`,
        params,
      );
      for (const row of rows) {
        for (const convert of converters) {
          convert(row);
        }
      }
      return rows as Row[];
    },
  };
}

/** What `readsFor` needs of a register's generated `Prisma` namespace. */
export interface PrismaNamespace {
  dmmf: { datamodel: { models: readonly ModelDescription[] } };
  Decimal: new (text: string) => unknown;
}

/**
 * A register's reads by key, one per model it names: `readsFor(database, Prisma, (reads) =>
 * ({ person: reads<Person>("Person", prisma.person) }))`.
 */
export function readsFor<Reads>(
  database: Database,
  prisma: PrismaNamespace,
  models: (reads: <Row>(name: string, delegate: FindManyDelegate<Row>) => KeyedReads<Row>) => Reads,
): Reads {
  const decimal = (text: string) => new prisma.Decimal(text);
  return models(<Row>(name: string, delegate: FindManyDelegate<Row>): KeyedReads<Row> => {
    const model = prisma.dmmf.datamodel.models.find((m) => m.name === name);
    if (!model) {
      throw new Error(`No model ${name} in this Prisma client`);
    }
    return keyedReads(database, model, delegate, decimal);
  });
}
