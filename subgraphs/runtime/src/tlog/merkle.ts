import { hash as digest } from "node:crypto";
import { TlogError } from "./errors.js";

/**
 * RFC 9162 §2.1.1 Merkle tree hashing with SHA-256, and the incremental (compact range) form of it
 * the sequencer keeps in memory. Hand-written: no maintained npm package offers RFC 9162 proofs and
 * C2SP notes as an API (design notes §9; merkletreejs has no domain separation and no consistency
 * proofs, @sigstore/verify exports none of its tree code).
 *
 * Sizes and indices are JS numbers (safe to 2^53), so nothing here uses the 32-bit bitwise operators.
 *
 * Measured once (Node 20.20.2 on this 2-core machine while other builds ran, load 6-10; 1,048,576
 * leaves in memory): nodeHash ≈ 1.2 µs; `CompactRange.append` ≈ 1.8 µs per leaf with its `onNode`
 * callback; `memoryNodeSource` builds in ≈ 2 µs per leaf; from it `inclusionProof` ≈ 60 µs and
 * `consistencyProof` ≈ 70 µs (20 hashes, imperfect right-hand ranges folded); `verifyInclusion` ≈ 26 µs
 * (20 hashes, nearly all of it hashing).
 */

/** A SHA-256 hash: exactly 32 bytes. */
export type Hash = Uint8Array;

export const HASH_SIZE = 32;

const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;

/** Throws TlogError HASH_LENGTH unless `hash` is a 32-byte Uint8Array. */
export function assertHash(hash: unknown, what: string): asserts hash is Hash {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash;
    throw new TlogError("HASH_LENGTH", `${what} must be a ${HASH_SIZE}-byte hash, got ${got}`);
  }
}

/** assertHash for each element of a list of `what`s (errors name the element: "proof hash 3"). */
export function assertHashes(hashes: readonly unknown[], what: string): asserts hashes is Hash[] {
  if (!Array.isArray(hashes)) {
    throw new TlogError("HASH_LENGTH", `expected a list of ${what}es`);
  }
  for (let i = 0; i < hashes.length; i++) {
    assertHash(hashes[i], `${what} ${i}`);
  }
}

/** Throws TlogError RANGE unless `n` is a safe non-negative integer. */
export function assertCount(n: unknown, what: string): asserts n is number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new TlogError("RANGE", `${what} must be a non-negative integer below 2^53, got ${String(n)}`);
  }
}

/** SHA-256(0x00 ‖ data): the leaf hash. */
export function leafHash(data: Uint8Array): Hash {
  const input = new Uint8Array(1 + data.length);
  input.set(data, 1); // input[0] is already the 0x00 leaf prefix
  return digest("sha256", input, "buffer");
}

/** SHA-256(0x01 ‖ left ‖ right): an interior node. */
export function nodeHash(left: Hash, right: Hash): Hash {
  assertHash(left, "left child");
  assertHash(right, "right child");
  // One-shot crypto.hash over one 65-byte buffer costs about 30% less than a Hash object fed three
  // times (measured). The scratch buffer is safe to reuse: hashing is synchronous and returns a copy.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return digest("sha256", NODE_INPUT, "buffer");
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = digest("sha256", new Uint8Array(0), "buffer");

/** The perfect subtree at `level` covering leaves [index·2^level, (index+1)·2^level). Level 0 = leaf hash. */
export interface NodeId {
  level: number;
  index: number;
}

/** The largest power of two strictly less than n (n ≥ 2): RFC 9162's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

/**
 * The perfect subtrees covering leaves [start, end), left to right, when `start` is aligned as the
 * RFC's recursion leaves it (a multiple of the largest power of two ≤ end - start). This is the
 * binary decomposition of the range's width.
 */
export function rangeIds(start: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  let offset = start;
  let width = end - start;
  let size = 1;
  let level = 0;
  while (size * 2 <= width) {
    size *= 2;
    level += 1;
  }
  while (width > 0) {
    if (size <= width) {
      ids.push({ level, index: offset / size });
      offset += size;
      width -= size;
    }
    size /= 2;
    level -= 1;
  }
  return ids;
}

/** The perfect subtrees that make up a tree of `size` leaves, left to right (binary decomposition). */
export function frontierIds(size: number): NodeId[] {
  assertCount(size, "tree size");
  return rangeIds(0, size);
}

/** MTH of consecutive perfect subtrees: the right fold RFC 9162's split at the largest power of two gives. */
export function foldRight(hashes: readonly Hash[]): Hash {
  const last = hashes[hashes.length - 1];
  if (last === undefined) {
    return EMPTY_ROOT;
  }
  let hash = last;
  for (let i = hashes.length - 2; i >= 0; i--) {
    hash = nodeHash(hashes[i] as Hash, hash);
  }
  return hash;
}

/** Incremental tree: holds the frontier; appending reports every perfect subtree it completes. */
export class CompactRange {
  private constructor(
    private count: number,
    private readonly stack: Hash[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Resumes a tree of `size` leaves from its frontier, in frontierIds(size) order. */
  static of(size: number, frontier: readonly Hash[]): CompactRange {
    const expected = frontierIds(size).length;
    if (frontier.length !== expected) {
      throw new TlogError("RANGE", `a tree of ${size} leaves has ${expected} frontier hashes, got ${frontier.length}`);
    }
    assertHashes(frontier, "frontier hash");
    return new CompactRange(size, [...frontier]);
  }

  get size(): number {
    return this.count;
  }

  frontier(): Hash[] {
    return [...this.stack];
  }

  /** Adds a leaf hash; `onNode` sees the leaf (level 0) and then every perfect subtree it completes. */
  append(leaf: Hash, onNode?: (id: NodeId, hash: Hash) => void): void {
    assertHash(leaf, "leaf hash");
    if (this.count >= Number.MAX_SAFE_INTEGER) {
      throw new TlogError("RANGE", "the tree is full (2^53 - 1 leaves)");
    }
    let index = this.count;
    let level = 0;
    let hash = leaf;
    onNode?.({ level, index }, hash);
    // Every trailing 1-bit of the old size is a left sibling waiting on the stack.
    while (index % 2 === 1) {
      hash = nodeHash(this.stack.pop() as Hash, hash);
      index = (index - 1) / 2;
      level += 1;
      onNode?.({ level, index }, hash);
    }
    this.stack.push(hash);
    this.count += 1;
  }

  root(): Hash {
    return foldRight(this.stack);
  }
}

/** MTH over leaf hashes (RFC 9162 §2.1.2's stack algorithm). */
export function rootOf(leaves: readonly Hash[]): Hash {
  const range = CompactRange.empty();
  for (const leaf of leaves) {
    range.append(leaf);
  }
  return range.root();
}
