import DataLoader from "dataloader";
import { inSpan } from "../telemetry/spans.js";

/** One span per batch, with its size: what the batching saved shows in the trace. */
const traced =
  <K, V>(find: BatchFind<K, V>): BatchFind<K, V> =>
  (keys) =>
    inSpan("loader.batch", { attributes: { "spx.loader.keys": keys.length } }, () => find(keys));

/** Fetches the rows of a batch of keys in one statement; rows may come in any order, some keys may have none. */
export type BatchFind<K, V> = (keys: readonly K[]) => Promise<readonly V[]>;

/**
 * A per-request loader of at most one row per key: the batch's keys are fetched with one `find`
 * and matched back through a Map, so the cost stays linear in the batch, not keys × rows.
 */
export function keyedLoader<K, V>(find: BatchFind<K, V>, keyOf: (row: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const byKey = new Map<K, V>();
    for (const row of await traced(find)(keys)) {
      byKey.set(keyOf(row), row);
    }
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/**
 * A per-request loader of every row of each key, in the order `find` returns them: grouped in one
 * pass over the rows, where filtering the rows once per key would cost keys × rows.
 */
export function groupedLoader<K, V>(find: BatchFind<K, V>, keyOf: (row: V) => K): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
    for (const row of await traced(find)(keys)) {
      groups.get(keyOf(row))?.push(row);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}
