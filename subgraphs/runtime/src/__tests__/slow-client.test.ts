import { connect } from "node:net";
import { listen, type RunningServer } from "../server/http-server.js";

/*
 * A client that trickles its request (slow loris) must not hold a connection: without a request
 * timeout Node keeps it 60 s for headers and 5 min for a body, so a few hundred such clients would
 * hold every socket of the gateway.
 */

let server: RunningServer;

beforeAll(async () => {
  server = await listen(
    (req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    },
    0,
    "127.0.0.1",
    { requestTimeoutMs: 1_000 },
  );
});
afterAll(async () => {
  await server?.close();
});

/** Sends `text`, never finishes the request, and resolves with what came back once the server closes. */
function trickle(text: string): Promise<{ answer: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(server.port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ answer, ms: performance.now() - started }));
    setTimeout(() => reject(new Error("the server kept the connection open")), 5_000).unref();
  });
}

it("answers headers that never end with 408 REQUEST_TIMEOUT in JSON, within the request timeout", async () => {
  const { answer, ms } = await trickle("POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
  expect(ms).toBeLessThan(3_000);
});

it("cuts off a body that never arrives within the request timeout", async () => {
  const { ms } = await trickle(
    'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
  );
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(3_000);
});
