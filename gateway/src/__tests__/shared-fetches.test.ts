import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SharedFetches } from "../edge/shared-fetches.js";
import { subgraphFetcher } from "../subgraph-fetcher.js";

/*
 * Shared fetches over real HTTP, against a register that answers after a pause: who waits, who
 * gives up, and when the call itself ends.
 */

let calls = 0;
let closedEarly = 0;
let pauseMs = 200;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  calls++;
  const timer = setTimeout(() => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: { call: calls } }));
  }, pauseMs);
  res.on("close", () => {
    if (!res.writableEnded) {
      clearTimeout(timer);
      closedEarly++;
    }
  });
  req.resume();
});
const transport = subgraphFetcher();
let url = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  calls = 0;
  closedEarly = 0;
  pauseMs = 200;
});

const BODY = JSON.stringify({ query: "{ persons { idcs } }" });
const post = (signal: AbortSignal) =>
  transport.fetcher(url, { method: "POST", headers: { "content-type": "application/json" }, body: BODY, signal });

describe("shared fetches", () => {
  it("give each waiter its own copy of one call's answer", async () => {
    let shared = 0;
    const fetches = new SharedFetches(() => shared++);
    const answers = await Promise.all(
      [1, 2, 3].map(() => fetches.fetch("population", "scope", BODY, new AbortController().signal, post)),
    );
    expect(calls).toBe(1);
    expect(shared).toBe(2);
    const bodies = await Promise.all(answers.map((answer) => answer.json()));
    expect(bodies).toEqual([{ data: { call: 1 } }, { data: { call: 1 } }, { data: { call: 1 } }]);
    expect(bodies[0]).not.toBe(bodies[1]);
    expect(fetches.size).toBe(0);
  });

  it("keep scopes apart", async () => {
    const fetches = new SharedFetches();
    await Promise.all(["a", "b"].map((scope) => fetches.fetch("population", scope, BODY, null, post)));
    expect(calls).toBe(2);
  });

  it("let a waiter give up at once, while the others still get the answer", async () => {
    const fetches = new SharedFetches();
    const leaving = new AbortController();
    const first = fetches.fetch("population", "scope", BODY, leaving.signal, post);
    const second = fetches.fetch("population", "scope", BODY, new AbortController().signal, post);
    const reason = new Error("client gone");
    setTimeout(() => leaving.abort(reason), 20);
    const started = performance.now();
    await expect(first).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(150);
    await expect((await second).json()).resolves.toEqual({ data: { call: 1 } });
    expect(calls).toBe(1);
    expect(closedEarly).toBe(0);
  });

  it("end the call once every waiter has given up, and make a new one for the next fetch", async () => {
    const fetches = new SharedFetches();
    const waiters = [new AbortController(), new AbortController()];
    const pending = waiters.map((waiter) => fetches.fetch("population", "scope", BODY, waiter.signal, post));
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (const waiter of waiters) {
      waiter.abort(new Error("deadline"));
    }
    await Promise.allSettled(pending);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(1);
    expect(fetches.size).toBe(0);
    pauseMs = 0;
    const again = await fetches.fetch("population", "scope", BODY, null, post);
    await expect(again.json()).resolves.toEqual({ data: { call: 2 } });
  });

  it("share a failure too: every waiter hears it, and nothing stays in flight", async () => {
    const fetches = new SharedFetches();
    const failing = () => Promise.reject(new Error("connection reset"));
    const results = await Promise.allSettled([
      fetches.fetch("population", "scope", BODY, new AbortController().signal, failing),
      fetches.fetch("population", "scope", BODY, null, failing),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(fetches.size).toBe(0);
  });
});
