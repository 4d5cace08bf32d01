import { groupedLoader, keyedLoader } from "../database/loaders.js";

interface Row {
  key: string;
  n: number;
}

describe("loaders", () => {
  it("answers each key its row, and null for a key without one, with one find for the batch", async () => {
    const finds: (readonly string[])[] = [];
    const loader = keyedLoader<string, Row>(
      async (keys) => {
        finds.push(keys);
        return [
          { key: "b", n: 2 },
          { key: "a", n: 1 },
        ];
      },
      (row) => row.key,
    );
    const rows = await Promise.all(["a", "b", "c"].map((key) => loader.load(key)));
    expect(rows).toEqual([{ key: "a", n: 1 }, { key: "b", n: 2 }, null]);
    expect(finds).toEqual([["a", "b", "c"]]);
  });

  it("answers each key its rows in the order found, and none for a key without rows", async () => {
    const loader = groupedLoader<string, Row>(
      async () => [
        { key: "a", n: 3 },
        { key: "b", n: 1 },
        { key: "a", n: 2 },
      ],
      (row) => row.key,
    );
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((key) => loader.load(key)));
    expect(a?.map((row) => row.n)).toEqual([3, 2]);
    expect(b?.map((row) => row.n)).toEqual([1]);
    expect(c).toEqual([]);
  });
});
