import { catalogue } from "@spx/runtime/access";
import { parse } from "graphql";
import { bodyCeiling, limitCeilings } from "../edge/ceilings.js";
import { boundedDocumentStore, documentHeapBytes, HEAP_BYTES_PER_SOURCE_BYTE } from "../edge/document-store.js";

describe("the ceilings applied before any grant is known", () => {
  it("are the most any grant allows, the defaults where none allows more", () => {
    const base = catalogue();
    const grants = base.grants.map((grant, i) =>
      i === 0 ? { ...grant, edge: { limits: { tokens: 9000, depth: 2 } } } : grant,
    );
    expect(limitCeilings({ ...base, grants })).toEqual({ ...base.edge.limits, tokens: 9000 });
  });

  it("leave a body room for the JSON around the largest document and its variables", () => {
    expect(bodyCeiling({ documentBytes: 1000 })).toBe(2000 + 64 * 1024);
  });
});

describe("the document store", () => {
  const documentOf = (n: number, padding: number) => parse(`query Q${n} { a } #${"x".repeat(padding)}`);

  it("estimates a document's heap from its text", () => {
    const document = documentOf(1, 1000);
    expect(documentHeapBytes(document)).toBe((document.loc?.end ?? 0) * HEAP_BYTES_PER_SOURCE_BYTE);
  });

  it("keeps no more estimated bytes than its bound, dropping the least recently used", async () => {
    const one = documentHeapBytes(documentOf(0, 1000));
    const store = boundedDocumentStore({ max: 1000, maxBytes: 10 * one });
    for (let n = 0; n < 30; n++) {
      await store.set(`k${n}`, documentOf(n % 10, 1000));
    }
    expect(store.bytes).toBeLessThanOrEqual(10 * one);
    expect(store.size).toBe(10);
    expect(await store.get("k0")).toBeUndefined();
    expect(await store.get("k29")).toBeDefined();
  });

  it("does not keep a document larger than its whole bound", async () => {
    const store = boundedDocumentStore({ max: 10, maxBytes: 1000 });
    await store.set("big", documentOf(0, 1000));
    expect(store.size).toBe(0);
  });
});
