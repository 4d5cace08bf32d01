import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createGraphClient } from "../clients/graph-client.js";

/*
 * A register deciding from another register's facts must never decide on a partial answer: a
 * field the graph could not serve (its register down) is a refusal, not an absent fact.
 */

let body: unknown = {};
let delayMs = 0;
const server = createServer((_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }, delayMs);
});
let url = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const graph = (timeoutMs?: number) =>
  createGraphClient({ url: () => url, token: async () => "t", ...(timeoutMs ? { timeoutMs } : {}) });

describe("the graph as a register asks it", () => {
  it("refuses a partial answer with DEPENDENCY_UNAVAILABLE", async () => {
    delayMs = 0;
    body = {
      data: { person: { idcs: "1", household: null } },
      errors: [
        {
          message: "The social-registry register did not answer",
          path: ["person", "household"],
          extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "social-registry" },
        },
      ],
    };
    await expect(graph().query("{ person { idcs household { id } } }")).rejects.toMatchObject({
      extensions: { code: "DEPENDENCY_UNAVAILABLE" },
    });
  });

  it("gives up within its timeout", async () => {
    delayMs = 1_000;
    body = { data: { person: null } };
    const started = performance.now();
    await expect(graph(200).query("{ person { idcs } }")).rejects.toMatchObject({
      extensions: { code: "DEPENDENCY_UNAVAILABLE" },
    });
    expect(performance.now() - started).toBeLessThan(800);
  });

  it("serves a whole answer", async () => {
    delayMs = 0;
    body = { data: { person: { idcs: "1" } } };
    await expect(graph().query("{ person { idcs } }")).resolves.toEqual({ person: { idcs: "1" } });
  });
});
