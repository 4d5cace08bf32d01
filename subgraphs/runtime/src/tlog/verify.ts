import { equalBytes } from "./encoding.js";
import { TlogError } from "./errors.js";
import { assertCount, assertHash, assertHashes, type Hash, nodeHash } from "./merkle.js";

/**
 * RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification. Hand-written: no maintained npm package offers
 * RFC 9162 proofs and C2SP notes as an API (design notes §9).
 *
 * The RFC's loops shift fn and sn as integers; sizes here go to 2^53, beyond JS's 32-bit bitwise
 * operators, so halving is `Math.floor(x / 2)`. Every hash is checked to be 32 bytes first: the bare
 * algorithm would otherwise accept an empty leaf against an empty root (design notes §3).
 */

const half = (n: number) => Math.floor(n / 2);
const isOdd = (n: number) => n % 2 === 1;

function assertProof(proof: readonly Hash[]): void {
  assertHashes(proof, "proof hash");
}

/** Throws TlogError (INCLUSION_FAILED naming why) unless `proof` shows `leaf` at `index` under `root`. */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): void {
  assertCount(index, "leaf index");
  assertCount(size, "tree size");
  assertHash(leaf, "leaf hash");
  assertHash(root, "root hash");
  assertProof(proof);
  if (index >= size) {
    throw new TlogError("RANGE", `leaf index ${index} is not in a tree of ${size} leaves`);
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) {
      throw new TlogError("INCLUSION_FAILED", `the inclusion proof is too long for leaf ${index} of ${size}`);
    }
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) {
    throw new TlogError("INCLUSION_FAILED", `the inclusion proof is too short for leaf ${index} of ${size}`);
  }
  if (!equalBytes(r, root)) {
    throw new TlogError(
      "INCLUSION_FAILED",
      `leaf ${index} with this proof does not give the root of the tree of ${size}`,
    );
  }
}

/**
 * Throws TlogError (CONSISTENCY_FAILED naming why) unless `proof` shows the tree of `from` leaves with
 * `fromRoot` is a prefix of the tree of `to` leaves with `toRoot`.
 * From 0: an empty proof is accepted whatever the roots (C2SP tlog-witness: the empty tree is a prefix
 * of every tree); from == to: the proof must be empty and the roots equal.
 */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Hash,
  toRoot: Hash,
  proof: readonly Hash[],
): void {
  assertCount(from, "old tree size");
  assertCount(to, "new tree size");
  assertHash(fromRoot, "old root hash");
  assertHash(toRoot, "new root hash");
  assertProof(proof);
  if (from > to) {
    throw new TlogError("RANGE", `old tree size ${from} is larger than new tree size ${to}`);
  }
  if (from === 0 || from === to) {
    if (proof.length !== 0) {
      throw new TlogError("CONSISTENCY_FAILED", `a consistency proof from ${from} to ${to} must be empty`);
    }
    if (from === to && !equalBytes(fromRoot, toRoot)) {
      throw new TlogError("CONSISTENCY_FAILED", `two different roots for the same tree size ${to}`);
    }
    return;
  }
  if (proof.length === 0) {
    throw new TlogError("CONSISTENCY_FAILED", `the consistency proof from ${from} to ${to} is empty`);
  }
  // A power-of-two old tree is a whole subtree of the new one: its root is the proof's first element.
  let fromIsPerfect = from;
  while (fromIsPerfect % 2 === 0) {
    fromIsPerfect /= 2;
  }
  const path = fromIsPerfect === 1 ? [fromRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Hash;
    if (sn === 0) {
      throw new TlogError("CONSISTENCY_FAILED", `the consistency proof from ${from} to ${to} is too long`);
    }
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) {
    throw new TlogError("CONSISTENCY_FAILED", `the consistency proof from ${from} to ${to} is too short`);
  }
  if (!equalBytes(fr, fromRoot)) {
    throw new TlogError("CONSISTENCY_FAILED", `the proof does not give the old root of the tree of ${from}`);
  }
  if (!equalBytes(sr, toRoot)) {
    throw new TlogError("CONSISTENCY_FAILED", `the proof does not give the new root of the tree of ${to}`);
  }
}
