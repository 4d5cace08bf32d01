import { accessOf } from "@spx/runtime/access";
import { MemoryRates } from "../edge/memory-rates.js";
import { MemoryPersonsBudget } from "../edge/persons-budget.js";
import { rateLimitHeaders } from "../edge/rate-limit-headers.js";
import { RateLimitedError } from "../edge/rate-limited-error.js";
import { RateLimits } from "../edge/rate-limits.js";
import { loadEnv } from "../env.js";

/*
 * What the HTTP tests (tests/src/rate-limits.test.ts) cannot wait for: the end of an hour, and
 * the exact shapes. Everything else about the limits is tested over HTTP there.
 */

describe("persons per hour in memory", () => {
  it("counts distinct persons per subject until the hour that began with the first one is over", async () => {
    let now = 1_000_000;
    const budget = new MemoryPersonsBudget(() => now);
    await budget.add("a", ["p1", "p2", "p1"], 200);
    now += 1000;
    await budget.add("a", ["p2", "p3"], 200);
    await budget.add("b", ["p1"], 200);
    expect(await budget.used("a")).toEqual({ count: 3, msBeforeReset: 3_599_000 });
    expect((await budget.used("b")).count).toBe(1);
    now += 3_599_000;
    expect(await budget.used("a")).toEqual({ count: 0, msBeforeReset: 3_600_000 });
    // A new hour begins with the next person served.
    await budget.add("a", ["p9"], 200);
    expect(await budget.used("a")).toEqual({ count: 1, msBeforeReset: 3_600_000 });
  });

  it("stops remembering a subject's persons at its limit: memory stays bounded, the refusal stands", async () => {
    const budget = new MemoryPersonsBudget();
    await budget.add(
      "a",
      Array.from({ length: 500 }, (_, i) => `p${i}`),
      200,
    );
    expect((await budget.used("a")).count).toBe(200);
  });
});

describe("refusals", () => {
  it("name the limit that decides when to come back, and say so in Retry-After and the RateLimit fields", () => {
    const error = new RateLimitedError([
      { name: "subject", quota: 10, windowSeconds: 1, remaining: 0, msBeforeReset: 400 },
      { name: "persons", quota: 200, windowSeconds: 3600, remaining: 0, msBeforeReset: 1_800_001 },
    ]);
    expect(error.extensions).toMatchObject({
      code: "RATE_LIMITED",
      limit: "persons",
      limits: ["persons", "subject"],
      retryAfter: 1801,
      http: { status: 429 },
    });
    const headers = (error.extensions.http as { headers: Map<string, string> }).headers;
    expect(headers.get("retry-after")).toBe("1801");
    expect(headers.get("ratelimit-policy")).toBe('"persons";q=200;w=3600;spx-qu="persons", "subject";q=10;w=1');
    expect(headers.get("ratelimit")).toBe('"persons";r=0;t=1801, "subject";r=0;t=1');
  });

  it("round a reset under a second up to one", () => {
    expect(rateLimitHeaders([{ name: "grant", quota: 5, windowSeconds: 1, remaining: 3, msBeforeReset: 1 }])).toEqual([
      ["ratelimit-policy", '"grant";q=5;w=1'],
      ["ratelimit", '"grant";r=3;t=1'],
    ]);
  });
});

describe("request rates in memory", () => {
  it("accept a whole burst at once, then the per-second rate", async () => {
    const limits = new RateLimits();
    const citizen = accessOf({ role: "CITIZEN" });
    const { perSecond, burst } = citizen.edge.rateLimits.subject;
    const outcomes = [];
    for (let i = 0; i < burst + 5; i++) {
      outcomes.push(
        await limits.admit({ sub: "c" }, citizen).then(
          () => "admitted",
          (error: RateLimitedError) => error.extensions.limit,
        ),
      );
    }
    expect(outcomes).toEqual([...Array(burst).fill("admitted"), ...Array(5).fill("subject")]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The burst allowance is spent for its 10 s: the next second brings the rate only.
    const next = [];
    for (let i = 0; i < perSecond + 1; i++) {
      next.push(
        await limits.admit({ sub: "c" }, citizen).then(
          () => true,
          () => false,
        ),
      );
    }
    expect(next).toEqual([...Array(perSecond).fill(true), false]);
    // Another citizen has a budget of their own.
    await expect(limits.admit({ sub: "d" }, citizen)).resolves.toBeDefined();
  });
});

describe("the in-memory windows", () => {
  it("count a second's quota, then the burst, and give the burst back once its window is over", () => {
    const rates = new MemoryRates();
    const take = (now: number) => rates.take("k", 2, 3, 10_000, now);
    expect([0, 1].map((t) => take(t))).toEqual([
      { allowed: true, remaining: 1, msBeforeReset: 1000 },
      { allowed: true, remaining: 0, msBeforeReset: 999 },
    ]);
    // Past the second's quota: three more from the burst, each telling when the second is over.
    expect([2, 3, 4, 5].map((t) => take(t).allowed)).toEqual([true, true, true, false]);
    expect(take(6)).toEqual({ allowed: false, remaining: 0, msBeforeReset: 994 });
    // A new second brings its quota, not the spent burst.
    expect([1000, 1001, 1002].map((t) => take(t).allowed)).toEqual([true, true, false]);
    // The burst window opened at t=2 is over at 10,002.
    expect([10_500, 10_501, 10_502, 10_503, 10_504, 10_505].map((t) => take(t).allowed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});

describe("the environment", () => {
  it("requires RATE_LIMIT_KEY with REDIS_URL, so that every process hashes subjects alike", () => {
    expect(() => loadEnv({ REDIS_URL: "redis://127.0.0.1:6379" })).toThrow(/RATE_LIMIT_KEY/);
    expect(loadEnv({ REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_KEY: "k".repeat(32) }).redisUrl).toBe(
      "redis://127.0.0.1:6379",
    );
    expect(() => loadEnv({ REDIS_URL: "http://127.0.0.1:6379", RATE_LIMIT_KEY: "k".repeat(32) })).toThrow(/REDIS_URL/);
    expect(loadEnv({}).redisUrl).toBeUndefined();
  });
});
