import { AggregateCache } from "../schema/aggregate-cache.js";

/** A computation that counts its runs and finishes when told to. */
function computation() {
  const runs = { count: 0 };
  const pending: ((value: number) => void)[] = [];
  const compute = () =>
    new Promise<number>((resolve) => {
      runs.count++;
      pending.push(resolve);
    });
  const finish = (value: number) => {
    for (const resolve of pending.splice(0)) {
      resolve(value);
    }
  };
  return { runs, compute, finish };
}

describe("statistics answers", () => {
  it("are computed once for every request that asks while they are being computed", async () => {
    const cache = new AggregateCache(0);
    const { runs, compute, finish } = computation();
    const answers = Promise.all(Array.from({ length: 10 }, () => cache.get("byRegion", compute)));
    expect(runs.count).toBe(1);
    finish(42);
    expect(await answers).toEqual(Array(10).fill(42));
    // With no maximum age, the next request computes afresh.
    const next = cache.get("byRegion", compute);
    expect(runs.count).toBe(2);
    finish(43);
    await expect(next).resolves.toBe(43);
  });

  it("are reused for their maximum age, then computed afresh; other questions are apart", async () => {
    const cache = new AggregateCache(0.2);
    const { runs, compute, finish } = computation();
    const first = cache.get("byRegion", compute);
    finish(1);
    await first;
    await expect(cache.get("byRegion", compute)).resolves.toBe(1);
    expect(runs.count).toBe(1);
    const other = cache.get("byMilieu", compute);
    finish(7);
    await expect(other).resolves.toBe(7);
    expect(runs.count).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const later = cache.get("byRegion", compute);
    expect(runs.count).toBe(3);
    finish(2);
    await expect(later).resolves.toBe(2);
  });

  it("never keep a failure", async () => {
    const cache = new AggregateCache(60);
    await expect(cache.get("byRegion", () => Promise.reject(new Error("database gone")))).rejects.toThrow(
      "database gone",
    );
    await expect(cache.get("byRegion", async () => 5)).resolves.toBe(5);
  });
});
