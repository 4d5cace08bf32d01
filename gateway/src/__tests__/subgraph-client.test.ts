import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InternalTokenSigner } from "@spx/runtime/tokens";
import { GraphQLError } from "graphql";
import type { ServedContext } from "../context.js";
import { DEFAULT_RESILIENCE } from "../edge/resilience-settings.js";
import { SubgraphClient } from "../subgraph-client.js";
import { subgraphFetcher } from "../subgraph-fetcher.js";

/*
 * The subgraph client against real HTTP servers that fail in each way a register can: what the
 * gateway is handed back, and what the circuit makes of it.
 */

type Answer = (req: IncomingMessage, res: ServerResponse) => void;
let answer: Answer = (_req, res) => res.end();
const server = createServer((req, res) => answer(req, res));
const transport = subgraphFetcher();
const clients: SubgraphClient[] = [];
let url = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  for (const client of clients) {
    client.shutdown();
  }
  await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function client(target = url, timeoutMs = 500) {
  const key = InternalTokenSigner.generate();
  const made = new SubgraphClient("population", target, key, transport.fetcher, {
    timeoutMs,
    breaker: { ...DEFAULT_RESILIENCE.breaker, volumeThreshold: 3 },
  });
  clients.push(made);
  return made;
}

/** What @apollo/gateway hands a data source for a root fetch of `person`. */
function operation(signal?: AbortSignal) {
  const context = { requestId: "t", ...(signal ? { signal } : {}) } as unknown as ServedContext;
  return {
    kind: "incoming operation",
    request: { query: '{ person(idcs: "1") { idcs } }', variables: {} },
    context,
    incomingRequestContext: { context },
  } as unknown as Parameters<SubgraphClient["process"]>[0];
}

/** The same root fetch as a mutation: when it fails, whether it was carried out matters. */
function mutation() {
  const made = operation();
  made.request.query = "mutation { enrol { id } }";
  return made;
}

/** The extensions of a population register that did not answer, for `reason`. */
const unavailable = (reason: string, more: Record<string, unknown> = {}) => ({
  code: "SUBGRAPH_UNAVAILABLE",
  serviceName: "population",
  reason,
  requestId: "t",
  ...more,
});

const json =
  (status: number, body: unknown): Answer =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

describe("a subgraph call", () => {
  it("relays a subgraph's answer untouched", async () => {
    answer = json(200, { data: { person: { idcs: "1" } } });
    expect((await (await client()).process(operation())).data).toEqual({ person: { idcs: "1" } });
  });

  it("answers a refused connection as UNREACHABLE at the field's path", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const response = await (await client(`http://127.0.0.1:${port}/graphql`)).process(operation());
    expect(response).toEqual({
      data: { person: null },
      errors: [
        {
          message: "The population register did not answer",
          path: ["person"],
          extensions: unavailable("UNREACHABLE"),
        },
      ],
    });
    // Where the register lives is not told.
    expect(JSON.stringify(response)).not.toContain(String(port));
    // Nothing was sent, so a mutation is plainly not done.
    const refusedWrite = await (await client(`http://127.0.0.1:${port}/graphql`)).process(mutation());
    expect(refusedWrite.errors?.[0]?.extensions).toEqual(unavailable("UNREACHABLE"));
  });

  it("times out, and opens the circuit after enough failures; 4xx and typed errors do not count", async () => {
    const subject = await client(url, 200);
    answer = json(401, { errors: [{ message: "no" }] });
    for (let i = 0; i < 4; i++) {
      expect((await subject.process(operation())).errors?.[0]?.extensions?.reason).toBe("BAD_RESPONSE");
    }
    answer = json(400, { errors: [{ message: "Bad amount", extensions: { code: "BAD_USER_INPUT" } }] });
    await expect(subject.process(operation())).rejects.toBeInstanceOf(GraphQLError);
    expect(subject.circuit).toBe("closed");
    answer = () => {}; // never answers
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      expect((await subject.process(operation())).errors?.[0]?.extensions?.reason).toBe("TIMEOUT");
    }
    expect(performance.now() - started).toBeLessThan(3 * 200 + 300);
    // 3 of 8 counted calls failed: under half, still closed.
    expect(subject.circuit).toBe("closed");
    for (let i = 0; i < 3 && subject.circuit === "closed"; i++) {
      await subject.process(operation());
    }
    expect(subject.circuit).toBe("open");
    const fast = performance.now();
    expect((await subject.process(operation())).errors?.[0]?.extensions?.reason).toBe("CIRCUIT_OPEN");
    expect(performance.now() - fast).toBeLessThan(50);
  });

  it("says a mutation sent and never answered may have been carried out", async () => {
    answer = () => {};
    const response = await (await client(url, 200)).process(mutation());
    expect(response.errors?.[0]?.extensions).toEqual(unavailable("TIMEOUT", { outcome: "UNKNOWN" }));
  });

  describe("behind a balancer, when the replica serving the call dies", () => {
    /** A caller's root fetch, so that each attempt carries a gateway token of its own. */
    const callerOperation = (query: string) => {
      const made = operation();
      made.request.query = query;
      Object.assign(made.context, { caller: { sub: "t:anr", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" } });
      return made;
    };
    /** Answers the first request as `first` does, every later one with the person. */
    const failingOnce = (first: Answer, seen: string[]): Answer => {
      return (req, res) => {
        seen.push(req.headers.authorization ?? "");
        if (seen.length === 1) {
          first(req, res);
        } else {
          json(200, { data: { person: { idcs: "1" } } })(req, res);
        }
      };
    };
    const cut: Answer = (req) => req.socket.destroy();

    it("asks a query once more, with a fresh token, after the connection is cut, a spent token's 401 or the balancer's 502/503", async () => {
      const spent = json(401, { errors: [{ message: "replayed", extensions: { code: "UNAUTHENTICATED" } }] });
      for (const first of [cut, spent, json(502, {}), json(503, {})]) {
        const seen: string[] = [];
        answer = failingOnce(first, seen);
        const response = await (await client()).process(callerOperation('{ person(idcs: "1") { idcs } }'));
        expect({ data: response.data, errors: response.errors }).toEqual({ data: { person: { idcs: "1" } } });
        expect(seen).toHaveLength(2);
        expect(seen[0]).toMatch(/^Bearer /);
        // The first token may have been spent by the replica that died: the second is another.
        expect(seen[1]).not.toBe(seen[0]);
      }
    });

    it("does not ask a query again after a failure of its own (500) or twice", async () => {
      const seen: string[] = [];
      answer = failingOnce(json(500, {}), seen);
      const failed = await (await client()).process(callerOperation('{ person(idcs: "1") { idcs } }'));
      expect(failed.errors?.[0]?.extensions?.reason).toBe("BAD_RESPONSE");
      expect(seen).toHaveLength(1);
      const always: string[] = [];
      answer = (req) => {
        always.push(req.headers.authorization ?? "");
        req.socket.destroy();
      };
      const unreachable = await (await client()).process(callerOperation('{ person(idcs: "1") { idcs } }'));
      expect(unreachable.errors?.[0]?.extensions?.reason).toBe("UNREACHABLE");
      expect(always).toHaveLength(2);
    });

    it("never asks a mutation again: it may have been carried out, and its client decides", async () => {
      const seen: string[] = [];
      answer = failingOnce(cut, seen);
      const response = await (await client()).process(callerOperation("mutation { enrol { id } }"));
      expect(response.errors?.[0]?.extensions).toEqual(unavailable("UNREACHABLE", { outcome: "UNKNOWN" }));
      expect(seen).toHaveLength(1);
    });
  });

  it("stops at once when the request is cancelled, without counting against the subgraph", async () => {
    const subject = await client(url, 5_000);
    answer = () => {};
    const request = new AbortController();
    const pending = subject.process(operation(request.signal));
    setTimeout(() => request.abort(new Error("gone")), 100);
    const started = performance.now();
    const response = await pending;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.errors?.[0]?.extensions?.reason).toBe("DEADLINE");
    expect(subject.circuit).toBe("closed");
  });
});
