import { TlogError } from "./errors.js";
import {
  assertCount,
  assertHash,
  assertHashes,
  EMPTY_ROOT,
  foldRight,
  type Hash,
  type NodeId,
  nodeHash,
  rangeIds,
  splitPoint,
} from "./merkle.js";

/**
 * RFC 9162 §2.1.3.1 / §2.1.4.1 proof generation from stored perfect subtrees. Hand-written: no
 * maintained npm package offers RFC 9162 proofs and C2SP notes as an API (design notes §9).
 *
 * Every proof element is the MTH of a leaf range; a range is a few perfect subtrees (its binary
 * decomposition) folded right. All the subtrees a proof needs are asked in ONE `nodes` call, so a
 * database-backed source answers a proof with one query.
 */

/** Batched node reads (one SQL query): returns hashes in the order asked; throws if any is missing. */
export interface NodeSource {
  nodes(ids: readonly NodeId[]): Promise<Hash[]>;
}

type Range = readonly [start: number, end: number];

/** PATH(m, D[lo:hi]) as leaf ranges, deepest sibling first. */
function inclusionRanges(m: number, lo: number, hi: number, out: Range[]): void {
  if (hi - lo <= 1) {
    return;
  }
  const k = splitPoint(hi - lo);
  if (m < lo + k) {
    inclusionRanges(m, lo, lo + k, out);
    out.push([lo + k, hi]);
  } else {
    inclusionRanges(m, lo + k, hi, out);
    out.push([lo, lo + k]);
  }
}

/** SUBPROOF(m, D[lo:hi], b) as leaf ranges (m counted from lo). */
function consistencyRanges(m: number, lo: number, hi: number, complete: boolean, out: Range[]): void {
  if (m === hi - lo) {
    if (!complete) {
      out.push([lo, hi]);
    }
    return;
  }
  const k = splitPoint(hi - lo);
  if (m <= k) {
    consistencyRanges(m, lo, lo + k, complete, out);
    out.push([lo + k, hi]);
  } else {
    consistencyRanges(m - k, lo + k, hi, false, out);
    out.push([lo, lo + k]);
  }
}

/** The MTH of each range, reading every perfect subtree needed in one batch. */
async function rangeHashes(ranges: readonly Range[], source: NodeSource): Promise<Hash[]> {
  const parts = ranges.map(([start, end]) => rangeIds(start, end));
  const ids = parts.flat();
  if (ids.length === 0) {
    return [];
  }
  const hashes = await source.nodes(ids);
  if (hashes.length !== ids.length) {
    throw new TlogError("MISSING_NODE", `the node source returned ${hashes.length} hashes for ${ids.length} nodes`);
  }
  for (let i = 0; i < ids.length; i++) {
    assertHash(hashes[i], `node ${describe(ids[i] as NodeId)}`);
  }
  let at = 0;
  return parts.map((part) => {
    const slice = hashes.slice(at, at + part.length);
    at += part.length;
    return foldRight(slice);
  });
}

function describe(id: NodeId): string {
  return `(level ${id.level}, index ${id.index})`;
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves, deepest sibling first. */
export async function inclusionProof(index: number, size: number, source: NodeSource): Promise<Hash[]> {
  assertCount(index, "leaf index");
  assertCount(size, "tree size");
  if (index >= size) {
    throw new TlogError("RANGE", `leaf index ${index} is not in a tree of ${size} leaves`);
  }
  const ranges: Range[] = [];
  inclusionRanges(index, 0, size, ranges);
  return rangeHashes(ranges, source);
}

/** The consistency proof from the tree of `from` leaves to the tree of `to`; empty when from is 0 or equals to. */
export async function consistencyProof(from: number, to: number, source: NodeSource): Promise<Hash[]> {
  assertCount(from, "old tree size");
  assertCount(to, "new tree size");
  if (from > to) {
    throw new TlogError("RANGE", `old tree size ${from} is larger than new tree size ${to}`);
  }
  if (from === 0 || from === to) {
    return [];
  }
  const ranges: Range[] = [];
  consistencyRanges(from, 0, to, true, ranges);
  return rangeHashes(ranges, source);
}

/** The root of the tree of `size` leaves. */
export async function rootFromSource(size: number, source: NodeSource): Promise<Hash> {
  assertCount(size, "tree size");
  if (size === 0) {
    return EMPTY_ROOT;
  }
  const [root] = await rangeHashes([[0, size]], source);
  return root as Hash;
}

/**
 * Every perfect subtree of a list of leaf hashes, computed once up front (O(n) memory): for tests and
 * for `audit:verify`, which rebuilds the tree from the stored entries.
 */
export function memoryNodeSource(leaves: readonly Hash[]): NodeSource {
  assertHashes(leaves, "leaf hash");
  const levels: Hash[][] = [[...leaves]];
  for (let below = levels[0] as Hash[]; below.length >= 2; ) {
    const above: Hash[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) {
      above.push(nodeHash(below[i] as Hash, below[i + 1] as Hash));
    }
    levels.push(above);
    below = above;
  }
  return {
    async nodes(ids) {
      return ids.map((id) => {
        const hash = levels[id.level]?.[id.index];
        if (hash === undefined) {
          throw new TlogError("MISSING_NODE", `no node ${describe(id)} in a tree of ${leaves.length} leaves`);
        }
        return hash;
      });
    },
  };
}
