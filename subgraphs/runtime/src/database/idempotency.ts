import { createHash } from "node:crypto";
import type { Caller } from "../access/caller.js";
import { IdempotencyKeyReusedError, ValidationError } from "../errors/errors.js";

/** The part of a Prisma transaction client this module needs. */
export interface RawQueryClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

export function canonical(value: unknown): string {
  // A Date has no enumerable keys: as an object it would hash as {} and a key reused for another
  // date would return the first date's result.
  if (value instanceof Date) {
    return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  }
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(",")}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Keys belong to the caller who chose them: two agencies may pick the same key. */
export function idempotencyScope(caller: Caller): string {
  return `${caller.agency ?? "CITIZEN"}:${caller.sub}`;
}

/**
 * Runs a write at most once per idempotency key, inside the caller's transaction. The key row is
 * claimed first, so a concurrent retry waits for the first attempt's commit and then returns its
 * result; if the first attempt rolls back, the key is free again. Reusing a key for a different
 * request is refused with IDEMPOTENCY_KEY_REUSED.
 */
export async function once<T extends Json>(
  tx: RawQueryClient,
  options: { scope: string; key: string | null | undefined; operation: string; request: unknown },
  run: () => Promise<T>,
): Promise<T> {
  const { scope, key, operation, request } = options;
  if (key === null || key === undefined) {
    return run();
  }
  if (!KEY.test(key)) {
    throw new ValidationError([{ field: "idempotencyKey", message: "8 to 128 letters, digits or . _ : -" }]);
  }
  const requestHash = createHash("sha256").update(canonical({ operation, request })).digest("hex");
  const claimed = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO idempotency_record (scope, key, operation, request_hash)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
    scope,
    key,
    operation,
    requestHash,
  );
  if (claimed.length === 1) {
    const result = await run();
    await tx.$queryRawUnsafe(
      "UPDATE idempotency_record SET result = $3::jsonb WHERE scope = $1 AND key = $2",
      scope,
      key,
      JSON.stringify(result),
    );
    return result;
  }
  const [previous] = await tx.$queryRawUnsafe<{ request_hash: string; result: T }[]>(
    "SELECT request_hash, result FROM idempotency_record WHERE scope = $1 AND key = $2",
    scope,
    key,
  );
  if (!previous || previous.request_hash !== requestHash) {
    throw new IdempotencyKeyReusedError();
  }
  return previous.result;
}

/** What `onceInTransaction` needs of a Prisma client: an interactive transaction. */
export interface TransactionRunner<Tx> {
  $transaction<R>(run: (tx: Tx) => Promise<R>): Promise<R>;
}

/** A write of `caller`'s in its own transaction, at most once per idempotency key (see `once`). */
export function onceInTransaction<Tx extends RawQueryClient, T extends Json>(
  prisma: TransactionRunner<Tx>,
  caller: Caller,
  write: { key: string | null | undefined; operation: string; request: unknown },
  run: (tx: Tx) => Promise<T>,
): Promise<T> {
  return prisma.$transaction((tx) => once(tx, { scope: idempotencyScope(caller), ...write }, () => run(tx)));
}
