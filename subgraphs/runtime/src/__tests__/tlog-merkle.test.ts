import { createHash } from "node:crypto";
import {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  frontierIds,
  type Hash,
  inclusionProof,
  leafHash,
  memoryNodeSource,
  type NodeId,
  type NodeSource,
  nodeHash,
  rootFromSource,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "../tlog/index.js";
import { code } from "./tlog-support.js";

// An independent, naive reading of RFC 9162 §2.1: recursive MTH, PATH and PROOF over the entries.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(p);
  }
  return new Uint8Array(h.digest());
};
const naiveLeaf = (d: Uint8Array) => sha(Uint8Array.of(0), d);
const naiveNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const k = (n: number) => {
  let p = 1;
  while (p * 2 < n) {
    p *= 2;
  }
  return p;
};
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) {
    return sha();
  }
  if (d.length === 1) {
    return naiveLeaf(d[0]!);
  }
  const s = k(d.length);
  return naiveNode(mth(d.slice(0, s)), mth(d.slice(s)));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) {
    return [];
  }
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) {
    return b ? [] : [mth(d)];
  }
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}
const hex = (h: Uint8Array) => Buffer.from(h).toString("hex");
const hexes = (hs: readonly Uint8Array[]) => hs.map(hex);
const entries = (n: number) => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`entry ${i}`));

function flipped(h: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(h);
  copy[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return copy;
}

/** A NodeSource built only from what CompactRange.append reports. */
function appendedSource(leaves: readonly Hash[]) {
  const stored = new Map<string, Hash>();
  const range = CompactRange.empty();
  const roots: string[] = [hex(range.root())];
  for (const leaf of leaves) {
    range.append(leaf, (id, hash) => {
      const key = `${id.level}/${id.index}`;
      expect(stored.has(key)).toBe(false);
      stored.set(key, hash);
    });
    roots.push(hex(range.root()));
  }
  const source: NodeSource = {
    async nodes(ids: readonly NodeId[]) {
      return ids.map((id) => {
        const hash = stored.get(`${id.level}/${id.index}`);
        if (hash === undefined) {
          throw new Error(`missing ${id.level}/${id.index}`);
        }
        return hash;
      });
    },
  };
  return { stored, source, roots, range };
}

describe("RFC 9162 §2.1.5 worked example (7 leaves)", () => {
  const d = entries(7);
  const [a, b, c, dd, e, f, j] = d.map(naiveLeaf) as [Hash, Hash, Hash, Hash, Hash, Hash, Hash];
  const g = naiveNode(a, b);
  const h = naiveNode(c, dd);
  const i = naiveNode(e, f);
  const kk = naiveNode(g, h);
  const l = naiveNode(i, j);
  const root = naiveNode(kk, l);
  const source = memoryNodeSource(d.map(leafHash));

  it("has the documented root", async () => {
    expect(hex(await rootFromSource(7, source))).toBe(hex(root));
    expect(hex(rootOf(d.map(leafHash)))).toBe(hex(root));
    expect(hex(mth(d))).toBe(hex(root));
  });

  it("gives the documented inclusion proofs of d0, d3, d4 and d6", async () => {
    expect(hexes(await inclusionProof(0, 7, source))).toEqual(hexes([b, h, l]));
    expect(hexes(await inclusionProof(3, 7, source))).toEqual(hexes([c, g, l]));
    expect(hexes(await inclusionProof(4, 7, source))).toEqual(hexes([f, j, kk]));
    expect(hexes(await inclusionProof(6, 7, source))).toEqual(hexes([i, kk]));
  });

  it("gives the documented consistency proofs of sizes 3, 4 and 6 to 7", async () => {
    expect(hexes(await consistencyProof(3, 7, source))).toEqual(hexes([c, dd, g, l]));
    expect(hexes(await consistencyProof(4, 7, source))).toEqual(hexes([l]));
    expect(hexes(await consistencyProof(6, 7, source))).toEqual(hexes([i, j, kk]));
    verifyConsistency(3, 7, mth(d.slice(0, 3)), root, [c, dd, g, l]);
    verifyConsistency(4, 7, kk, root, [l]);
    verifyConsistency(6, 7, mth(d.slice(0, 6)), root, [i, j, kk]);
  });
});

describe("hashing", () => {
  it("separates leaves from nodes and has SHA-256('') for the empty tree", () => {
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(rootOf([]))).toBe(hex(EMPTY_ROOT));
    const x = new TextEncoder().encode("x");
    expect(hex(leafHash(x))).toBe(hex(naiveLeaf(x)));
    expect(hex(leafHash(x))).not.toBe(hex(sha(x)));
    expect(code(() => nodeHash(new Uint8Array(31), EMPTY_ROOT))).toBe("HASH_LENGTH");
  });
});

describe("every tree of 1 to 70 leaves", () => {
  const MAX = 70;
  const d = entries(MAX + 1);
  const leaves = d.slice(0, MAX).map(leafHash);
  const memory = memoryNodeSource(leaves);
  const appended = appendedSource(leaves);
  const roots = Array.from({ length: MAX + 2 }, (_, n) => mth(d.slice(0, n)));

  it("CompactRange reports each perfect subtree once and its roots are MTH at every size", () => {
    expect(appended.roots).toEqual(roots.slice(0, MAX + 1).map(hex));
    // n leaves have 2n - popcount(n) perfect subtrees.
    const popcount = MAX.toString(2).replace(/0/g, "").length;
    expect(appended.stored.size).toBe(2 * MAX - popcount);
  });

  it("inclusion proofs from both sources are RFC PATH, verify, and fail on any change", async () => {
    for (let n = 1; n <= MAX; n++) {
      const root = roots[n]!;
      expect(hex(await rootFromSource(n, memory))).toBe(hex(root));
      expect(hex(await rootFromSource(n, appended.source))).toBe(hex(root));
      for (let m = 0; m < n; m++) {
        const expected = path(m, d.slice(0, n));
        const proof = await inclusionProof(m, n, memory);
        expect(hexes(proof)).toEqual(hexes(expected));
        expect(hexes(await inclusionProof(m, n, appended.source))).toEqual(hexes(expected));
        const leaf = leaves[m]!;
        verifyInclusion(m, n, leaf, proof, root);

        const fails = (what: string, fn: () => void) =>
          expect([what, code(fn)]).toEqual([what, expect.not.stringMatching(/^OK$/)]);
        const bit = (m * 31 + n * 7) % 256;
        fails("leaf bit", () => verifyInclusion(m, n, flipped(leaf, bit), proof, root));
        fails("root bit", () => verifyInclusion(m, n, leaf, proof, flipped(root, bit)));
        proof.forEach((_, p) => {
          const bad = proof.map((x, q) => (q === p ? flipped(x, bit + p) : x));
          fails(`proof ${p} bit`, () => verifyInclusion(m, n, leaf, bad, root));
        });
        if (m + 1 < n) {
          fails("index + 1", () => verifyInclusion(m + 1, n, leaf, proof, root));
        }
        if (m > 0) {
          fails("index - 1", () => verifyInclusion(m - 1, n, leaf, proof, root));
        }
        // A wrong size is checked against that size's real root: with the original root, a proof whose
        // shape is the same for both sizes computes the same hash (the size is the claim the root backs).
        fails("size + 1", () => verifyInclusion(m, n + 1, leaf, proof, roots[n + 1]!));
        if (m < n - 1) {
          fails("size - 1", () => verifyInclusion(m, n - 1, leaf, proof, roots[n - 1]!));
        }
        fails("extra hash", () => verifyInclusion(m, n, leaf, [...proof, leaf], root));
        if (proof.length > 0) {
          fails("missing hash", () => verifyInclusion(m, n, leaf, proof.slice(0, -1), root));
          expect(code(() => verifyInclusion(m, n, leaf, [proof[0]!.subarray(1), ...proof.slice(1)], root))).toBe(
            "HASH_LENGTH",
          );
        }
        expect(code(() => verifyInclusion(m, n, new Uint8Array(33), proof, root))).toBe("HASH_LENGTH");
        expect(code(() => verifyInclusion(m, n, leaf, proof, new Uint8Array(0)))).toBe("HASH_LENGTH");
      }
      expect(code(() => verifyInclusion(n, n, leaves[0]!, [], root))).toBe("RANGE");
    }
  });

  it("fails on every single bit flipped in a proof of a 13-leaf tree", async () => {
    const n = 13;
    for (let m = 0; m < n; m++) {
      const proof = await inclusionProof(m, n, memory);
      for (let p = 0; p < proof.length; p++) {
        for (let bit = 0; bit < 256; bit++) {
          const bad = proof.map((x, q) => (q === p ? flipped(x, bit) : x));
          expect(code(() => verifyInclusion(m, n, leaves[m]!, bad, roots[n]!))).toBe("INCLUSION_FAILED");
        }
      }
    }
  });

  it("consistency proofs from both sources are RFC PROOF, verify, and fail on any change", async () => {
    for (let n = 1; n <= MAX; n++) {
      for (let m = 0; m <= n; m++) {
        const expected = m === 0 || m === n ? [] : subproof(m, d.slice(0, n), true);
        const proof = await consistencyProof(m, n, memory);
        expect(hexes(proof)).toEqual(hexes(expected));
        expect(hexes(await consistencyProof(m, n, appended.source))).toEqual(hexes(expected));
        const [from, to] = [roots[m]!, roots[n]!];
        verifyConsistency(m, n, from, to, proof);
        if (m === 0 || m === n) {
          continue;
        }
        const fails = (what: string, fn: () => void) =>
          expect([what, code(fn)]).toEqual([what, expect.not.stringMatching(/^OK$/)]);
        const bit = (m * 13 + n * 5) % 256;
        fails("old root bit", () => verifyConsistency(m, n, flipped(from, bit), to, proof));
        fails("new root bit", () => verifyConsistency(m, n, from, flipped(to, bit), proof));
        proof.forEach((_, p) => {
          const bad = proof.map((x, q) => (q === p ? flipped(x, bit + p) : x));
          fails(`proof ${p} bit`, () => verifyConsistency(m, n, from, to, bad));
        });
        fails("old size + 1", () => verifyConsistency(m + 1, n, roots[m + 1]!, to, proof));
        fails("old size - 1", () => verifyConsistency(m - 1, n, roots[m - 1]!, to, proof));
        fails("new size + 1", () => verifyConsistency(m, n + 1, from, roots[n + 1]!, proof));
        fails("new size - 1", () => verifyConsistency(m, n - 1, from, roots[n - 1]!, proof));
        fails("empty proof", () => verifyConsistency(m, n, from, to, []));
        fails("extra hash", () => verifyConsistency(m, n, from, to, [...proof, from]));
        expect(code(() => verifyConsistency(m, n, from, to, [proof[0]!.subarray(0, 31), ...proof.slice(1)]))).toBe(
          "HASH_LENGTH",
        );
        expect(code(() => verifyConsistency(m, n, new Uint8Array(0), to, proof))).toBe("HASH_LENGTH");
      }
    }
  });

  it("accepts an empty proof from 0 (any tree) and from n to n only with equal roots", () => {
    verifyConsistency(0, 5, EMPTY_ROOT, roots[5]!, []);
    expect(code(() => verifyConsistency(0, 5, EMPTY_ROOT, roots[5]!, [roots[5]!]))).toBe("CONSISTENCY_FAILED");
    verifyConsistency(5, 5, roots[5]!, roots[5]!, []);
    expect(code(() => verifyConsistency(5, 5, roots[5]!, roots[6]!, []))).toBe("CONSISTENCY_FAILED");
    expect(code(() => verifyConsistency(6, 5, roots[6]!, roots[5]!, []))).toBe("RANGE");
  });

  it("resumes from frontierIds + CompactRange.of at every size with the same roots", () => {
    for (let n = 0; n <= MAX; n++) {
      const ids = frontierIds(n);
      const frontier = ids.map((id) => appended.stored.get(`${id.level}/${id.index}`)!);
      const resumed = CompactRange.of(n, frontier);
      expect(resumed.size).toBe(n);
      expect(hexes(resumed.frontier())).toEqual(hexes(frontier));
      expect(hex(resumed.root())).toBe(hex(roots[n]!));
      for (let i = n; i < Math.min(MAX, n + 9); i++) {
        resumed.append(leaves[i]!);
        expect(hex(resumed.root())).toBe(hex(roots[i + 1]!));
      }
    }
    expect(code(() => CompactRange.of(3, [EMPTY_ROOT]))).toBe("RANGE");
    expect(code(() => CompactRange.of(1, [new Uint8Array(3)]))).toBe("HASH_LENGTH");
  });

  it("refuses bad ranges and reports missing nodes", async () => {
    await expect(inclusionProof(5, 5, memory)).rejects.toMatchObject({ code: "RANGE" });
    await expect(inclusionProof(-1, 5, memory)).rejects.toMatchObject({ code: "RANGE" });
    await expect(inclusionProof(0.5, 5, memory)).rejects.toMatchObject({ code: "RANGE" });
    await expect(consistencyProof(6, 5, memory)).rejects.toMatchObject({ code: "RANGE" });
    await expect(inclusionProof(0, MAX + 1, memory)).rejects.toMatchObject({ code: "MISSING_NODE" });
    await expect(rootFromSource(MAX + 3, memory)).rejects.toMatchObject({ code: "MISSING_NODE" });
    expect(code(() => frontierIds(-1))).toBe("RANGE");
  });
});

describe("sizes past 2^32", () => {
  // A virtual tree: every leaf is `x` except leaf `t`, which is `y`; any node is computed along t's path only.
  const x = leafHash(Uint8Array.of(1));
  const y = leafHash(Uint8Array.of(2));
  const t = 2 ** 44 + 12345;
  const uniform: Hash[] = [x];
  for (let level = 1; level <= 53; level++) {
    uniform.push(nodeHash(uniform[level - 1]!, uniform[level - 1]!));
  }
  const memo = new Map<string, Hash>();
  const node = (level: number, index: number): Hash => {
    const start = index * 2 ** level;
    if (t < start || t >= start + 2 ** level) {
      return uniform[level]!;
    }
    if (level === 0) {
      return y;
    }
    const key = `${level}/${index}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      hash = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      memo.set(key, hash);
    }
    return hash;
  };
  const source: NodeSource = { nodes: async (ids) => ids.map((id) => node(id.level, id.index)) };

  it("decomposes a large size without 32-bit overflow", () => {
    expect(frontierIds(2 ** 40 + 5)).toEqual([
      { level: 40, index: 0 },
      { level: 2, index: 2 ** 38 },
      { level: 0, index: 2 ** 40 + 4 },
    ]);
    expect(frontierIds(Number.MAX_SAFE_INTEGER)).toHaveLength(53);
  });

  it("proves and verifies inclusion and consistency in trees of about 2^45 leaves", async () => {
    const size = 2 ** 45 + 2 ** 33 + 77;
    const root = await rootFromSource(size, source);
    const proof = await inclusionProof(t, size, source);
    verifyInclusion(t, size, y, proof, root);
    expect(code(() => verifyInclusion(t, size, x, proof, root))).toBe("INCLUSION_FAILED");
    expect(code(() => verifyInclusion(t + 1, size, y, proof, root))).toBe("INCLUSION_FAILED");
    for (const from of [t + 1, 2 ** 44, 2 ** 45 + 3, size - 1]) {
      const fromRoot = await rootFromSource(from, source);
      const consistency = await consistencyProof(from, size, source);
      verifyConsistency(from, size, fromRoot, root, consistency);
      expect(code(() => verifyConsistency(from, size, fromRoot, flipped(root, 9), consistency))).toBe(
        "CONSISTENCY_FAILED",
      );
    }
  });
});
