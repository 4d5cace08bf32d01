import { get, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import { ApolloServer } from "@apollo/server";
import { createLogger } from "../logging/logger.js";
import { graphqlHttpHandler, listen, type RunningServer } from "../server/http-server.js";

/*
 * What a stopping service does with its connections: the request in flight gets its whole answer
 * (and `connection: close`), readiness says 503 meanwhile, other new work is refused, typed, an
 * idle keep-alive connection is closed at once, and whatever outlives the grace is cut at its end.
 */

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function request(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** A keep-alive connection that has been answered once and now sits idle; resolves when it closes. */
async function idleConnection(port: number): Promise<{ closed: Promise<void> }> {
  const socket: Socket = connect(port, "127.0.0.1");
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => {
    socket.once("data", () => resolve());
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  });
  return { closed };
}

/** Answers /slow when `release` is called, /healthz at once. */
function slowHandler() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/slow") {
      void released.then(() => res.end("the whole answer"));
      return;
    }
    res.end("ok");
  };
  return { handler, release: () => release() };
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it("lets a request in flight finish, says 503 on /readyz meanwhile, refuses new work and closes idle connections", async () => {
  const slow = slowHandler();
  server = await listen(slow.handler, 0);
  const { port } = server;
  const idle = await idleConnection(port);
  const inFlight = request(port, "/slow");
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(server.inFlight).toBe(1);

  const drained = server.drain(5_000);
  await idle.closed;
  const readiness = await request(port, "/readyz");
  expect(readiness.status).toBe(503);
  expect(JSON.parse(readiness.body)).toEqual({ status: "draining" });
  expect((await request(port, "/healthz")).status).toBe(200);
  const refused = await request(port, "/graphql");
  expect(refused.status).toBe(503);
  expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("SHUTTING_DOWN");

  slow.release();
  const answer = await inFlight;
  expect(answer.status).toBe(200);
  expect(answer.body).toBe("the whole answer");
  expect(answer.headers.connection).toBe("close");
  expect(await drained).toEqual({ inFlight: 1, finished: 1, cut: 0 });
  await expect(request(port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
});

it("cuts a request that outlives the grace when the grace ends", async () => {
  const slow = slowHandler();
  server = await listen(slow.handler, 0);
  const inFlight = request(server.port, "/slow");
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  const outcome = await server.drain(300);
  const ms = performance.now() - started;
  expect(outcome).toEqual({ inFlight: 1, finished: 0, cut: 1 });
  expect(ms).toBeGreaterThanOrEqual(290);
  expect(ms).toBeLessThan(1_500);
  await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
  slow.release();
});

it("answers an error that escaped every handler with a typed 500 and logs its request id, not its message", async () => {
  const lines: string[] = [];
  const logger = createLogger(
    "drain-test",
    "info",
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    }),
  );
  const apollo = new ApolloServer({ typeDefs: "type Query { ok: Boolean }" });
  const handler = graphqlHttpHandler({
    server: apollo,
    logger,
    context: async () => ({}),
    routes: {
      "/broken": () => {
        throw new Error("row for CIN AB123456 failed");
      },
    },
  });
  server = await listen(handler, 0);
  const answer = await new Promise<Answer>((resolve, reject) => {
    get(
      { host: "127.0.0.1", port: server?.port, path: "/broken", headers: { "x-request-id": "req-broken-1" } },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8");
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    ).on("error", reject);
  });
  expect(answer.status).toBe(500);
  expect(JSON.parse(answer.body)).toEqual({
    errors: [
      { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "req-broken-1" } },
    ],
  });
  const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(logged).toContainEqual(
    expect.objectContaining({ requestId: "req-broken-1", path: "/broken", msg: "unexpected error serving a request" }),
  );
  expect(lines.join("")).not.toContain("AB123456");
});
