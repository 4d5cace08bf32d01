import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/*
 * Bulk loads for generated data: rows are written as PostgreSQL COPY text files first, then each
 * database loads its files on one connection in one transaction (secondary indexes and foreign
 * keys dropped before and rebuilt after, as PostgreSQL's manual advises for bulk loads). A failed
 * load leaves the database as it was. Rows are objects shaped like the Prisma models' create
 * inputs; their keys map to columns by snake_case (the schemas' @map convention), and the loader
 * refuses a key that names no column rather than dropping it.
 */

export type Row = Record<string, unknown>;

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function escapeText(text: string): string {
  // Almost no generated value needs escaping: test before replacing.
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c] ?? c) : text;
}

/** A PostgreSQL array literal of text-like elements: {"a","b"}. */
function arrayLiteral(items: readonly unknown[]): string {
  const element = (item: unknown) =>
    item === null || item === undefined ? "NULL" : `"${String(item).replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `{${items.map(element).join(",")}}`;
}

type ColumnType = "date" | "timestamp" | "array" | "json" | "scalar";

function encode(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) {
    return "\\N";
  }
  if (value instanceof Date) {
    return type === "date" ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (type === "array" && Array.isArray(value)) {
    return escapeText(arrayLiteral(value));
  }
  if (type === "json" || typeof value === "object") {
    return escapeText(JSON.stringify(value));
  }
  if (typeof value === "boolean") {
    return value ? "t" : "f";
  }
  if (typeof value === "number") {
    return String(value);
  }
  return escapeText(String(value));
}

export interface TableColumns {
  table: string;
  /** Row keys in file order, and the column each fills. */
  keys: string[];
  columns: string[];
  types: ColumnType[];
}

/** The columns `keys` fill in `table`, checked against the database's own catalogue. */
export async function tableColumns(
  client: pg.ClientBase,
  table: string,
  keys: readonly string[],
): Promise<TableColumns> {
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    [table],
  );
  const known = new Map(rows.map((row) => [row.column_name, row.data_type]));
  const columns = keys.map(snakeCase);
  const types = columns.map((column, i): ColumnType => {
    const dataType = known.get(column);
    if (!dataType) {
      throw new Error(`${table} has no column ${column} (row key ${keys[i]})`);
    }
    if (dataType === "date") {
      return "date";
    }
    if (dataType.startsWith("timestamp")) {
      return "timestamp";
    }
    if (dataType === "ARRAY") {
      return "array";
    }
    return dataType === "jsonb" || dataType === "json" ? "json" : "scalar";
  });
  return { table, keys: [...keys], columns, types };
}

/**
 * Writes one table's rows to a COPY text file. The columns follow the first row's keys (the
 * generators build every row of a table from one literal) and are checked against the database
 * on that first row, so that values are spelled for their column (a day for a date, JSON for
 * jsonb, an array literal for an array).
 */
export class CopyFileWriter {
  private columns: TableColumns | undefined;
  private readonly out: WriteStream;
  rows = 0;

  constructor(
    readonly table: string,
    readonly file: string,
    private readonly resolveColumns: (table: string, keys: string[]) => Promise<TableColumns>,
  ) {
    this.out = createWriteStream(file, { highWaterMark: 1 << 20 });
  }

  /**
   * Appends a row. Returns a promise only when the caller must wait (the first row, while the
   * columns are looked up, or when the file's buffer is full), so that millions of rows do not
   * cost millions of awaits.
   */
  write(row: Row): Promise<void> | undefined {
    if (!this.columns) {
      return this.resolveColumns(this.table, Object.keys(row)).then((columns) => {
        this.columns = columns;
        return this.write(row);
      });
    }
    const { keys, types } = this.columns;
    if (Object.keys(row).length > keys.length) {
      throw new Error(`${this.table}: a row has keys the first row had not (${Object.keys(row).join(", ")})`);
    }
    let line = "";
    for (let i = 0; i < keys.length; i++) {
      line += `${i === 0 ? "" : "\t"}${encode(row[keys[i] as string], types[i] ?? "scalar")}`;
    }
    this.rows++;
    if (this.out.write(`${line}\n`)) {
      return undefined;
    }
    return new Promise<void>((resolve) => this.out.once("drain", resolve));
  }

  /** What the load phase needs to know of this file. */
  get copyFile(): CopyFile {
    return { table: this.table, file: this.file, keys: this.columns?.keys ?? [] };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

/** What one COPY file holds, for the load phase. */
export interface CopyFile {
  table: string;
  file: string;
  keys: string[];
}

/** Secondary indexes and foreign keys of `tables`, to drop before a bulk load and rebuild after. */
async function derivedObjects(client: pg.ClientBase, tables: readonly string[]) {
  const { rows: constraints } = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT rel.relname AS table, con.conname AS name, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
      WHERE con.contype = 'f' AND rel.relname = ANY($1) AND rel.relnamespace = current_schema()::regnamespace`,
    [tables],
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexname AS name, i.indexdef AS definition
       FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [tables],
  );
  return { constraints, indexes };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export type LoadProgress = (bytes: number) => void;

/**
 * Loads `files` (in order: parents before children) in one transaction on `client`: empties the
 * tables, drops their secondary indexes and foreign keys, COPYs every file, rebuilds the indexes
 * and re-adds the foreign keys (which checks every row), then runs `finish` inside the same
 * transaction (to write a marker, say). Reports bytes loaded through `onProgress`.
 */
export async function loadCopyFiles(
  client: pg.ClientBase,
  files: readonly CopyFile[],
  options: { truncate: readonly string[]; onProgress?: LoadProgress; finish?: () => Promise<void> },
): Promise<void> {
  const tables = files.map((f) => f.table);
  await client.query("BEGIN");
  try {
    // Index rebuilds sort in memory rather than on disk.
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    if (options.truncate.length > 0) {
      await client.query(`TRUNCATE ${options.truncate.map(quoteIdent).join(", ")} CASCADE`);
    }
    const { constraints, indexes } = await derivedObjects(client, tables);
    for (const c of constraints) {
      await client.query(`ALTER TABLE ${quoteIdent(c.table)} DROP CONSTRAINT ${quoteIdent(c.name)}`);
    }
    for (const index of indexes) {
      await client.query(`DROP INDEX ${quoteIdent(index.name)}`);
    }
    for (const file of files) {
      if (file.keys.length === 0 || (await stat(file.file)).size === 0) {
        continue;
      }
      const { columns } = await tableColumns(client, file.table, file.keys);
      const copy = client.query(
        copyFrom(`COPY ${quoteIdent(file.table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN`),
      );
      const source = createReadStream(file.file, { highWaterMark: 1 << 20 });
      if (options.onProgress) {
        const report = options.onProgress;
        source.on("data", (chunk) => report(chunk.length));
      }
      await pipeline(source, copy);
    }
    for (const index of indexes) {
      await client.query(index.definition);
    }
    for (const c of constraints) {
      await client.query(`ALTER TABLE ${quoteIdent(c.table)} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
    }
    await options.finish?.();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  // A table may come in several files (one per generating worker): analysed once.
  for (const table of new Set(tables)) {
    await client.query(`ANALYZE ${quoteIdent(table)}`);
  }
}
