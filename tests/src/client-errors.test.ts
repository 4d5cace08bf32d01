import { connect } from "node:net";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * Every client mistake is answered 4xx with a JSON GraphQL error and a stable code, never a 500
 * and never an empty body; production additionally keeps schema names out of error messages,
 * runs no free-form query over GET and serves no landing page.
 */

const anr = { sub: "test:anr", agency: "ANR", role: "SYSTEM" } as const;
const anrCaseWorker = { sub: "test:anr-cw", agency: "ANR", role: "CASE_WORKER", region: "06" } as const;
const analyst = { sub: "test:msps", agency: "MSPS", role: "ANALYST" } as const;

let development: RunningSystem;
let production: RunningSystem;

beforeAll(async () => {
  development = await startSystem({ label: "clienterr" });
  production = await startSystem({ label: "clienterr_prod", production: true });
}, 180_000);
afterAll(async () => {
  await development?.stop();
  await production?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  contentType: string;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string; limit?: string } }[] } | undefined;
}

async function send(system: RunningSystem, init: RequestInit, path = "/graphql"): Promise<Answer> {
  const response = await fetch(`${system.gatewayUrl}${path}`, init);
  const text = await response.text();
  let body: Answer["body"];
  try {
    body = JSON.parse(text) as Answer["body"];
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    contentType: response.headers.get("content-type") ?? "",
    text,
    body,
  };
}

function expectTyped(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.errors?.[0]?.extensions?.code }).toEqual({ status, code });
  expect(answer.contentType).toMatch(/^application\/json/);
}

async function post(system: RunningSystem, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const token = await system.token(anr);
  return send(system, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("client mistakes are typed 4xx answers with a JSON body", () => {
  it("an operationName the document does not hold: 400 OPERATION_RESOLUTION_FAILURE", async () => {
    const answer = await post(development, { query: "query A { __typename }", operationName: "B" });
    expectTyped(answer, 400, "OPERATION_RESOLUTION_FAILURE");
    expect(answer.body?.errors?.[0]?.message).toMatch(/no operation named "B"/);
  });

  it("several operations and no operationName: 400 OPERATION_RESOLUTION_FAILURE", async () => {
    const answer = await post(development, { query: "query A { __typename } query B { __typename }" });
    expectTyped(answer, 400, "OPERATION_RESOLUTION_FAILURE");
  });

  it("several anonymous operations: 400 GRAPHQL_VALIDATION_FAILED", async () => {
    expectTyped(await post(development, { query: "{ __typename } { __typename }" }), 400, "GRAPHQL_VALIDATION_FAILED");
  });

  it("a subscription: 400 SUBSCRIPTION_NOT_SUPPORTED", async () => {
    expectTyped(await post(development, { query: "subscription { __typename }" }), 400, "SUBSCRIPTION_NOT_SUPPORTED");
  });

  it("a document that does not parse: 400 GRAPHQL_PARSE_FAILED", async () => {
    expectTyped(await post(development, { query: "qwerty cop { abc }" }), 400, "GRAPHQL_PARSE_FAILED");
  });

  it("a body that is not JSON, a JSON array or string, no query: 400 BAD_REQUEST", async () => {
    expectTyped(await post(development, "{not json"), 400, "BAD_REQUEST");
    expectTyped(await post(development, [{ query: "{ __typename }" }]), 400, "BAD_REQUEST");
    expectTyped(await post(development, JSON.stringify("{ __typename }")), 400, "BAD_REQUEST");
    expectTyped(await post(development, {}), 400, "BAD_REQUEST");
  });

  it("variables that are not an object: 400 BAD_REQUEST", async () => {
    expectTyped(await post(development, { query: "{ __typename }", variables: [1] }), 400, "BAD_REQUEST");
    expectTyped(await post(development, { query: "{ __typename }", variables: '{"a":1}' }), 400, "BAD_REQUEST");
  });

  it("a content type other than JSON: 400 BAD_REQUEST", async () => {
    expectTyped(await post(development, "<query/>", { "content-type": "application/xml" }), 400, "BAD_REQUEST");
  });

  it("a method other than GET and POST: 405 BAD_REQUEST", async () => {
    const token = await development.token(anr);
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
      expectTyped(await send(development, { method, headers }), 405, "BAD_REQUEST");
    }
    // Without a token the caller is refused first, typed as well.
    expectTyped(
      await send(development, { method: "PUT", headers: { "content-type": "application/json" } }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("a mutation over GET: 405 BAD_REQUEST", async () => {
    const token = await development.token(anr);
    const answer = await send(
      development,
      { headers: { authorization: `Bearer ${token}`, "apollo-require-preflight": "1" } },
      `/graphql?query=${encodeURIComponent("mutation { __typename }")}`,
    );
    expectTyped(answer, 405, "BAD_REQUEST");
  });

  it("a path that is not served: 404 NOT_FOUND", async () => {
    expectTyped(await send(development, {}, "/nothing-here"), 404, "NOT_FOUND");
  });

  it("a body over 1 MiB: 400 OPERATION_LIMIT_EXCEEDED (documentBytes), unread", async () => {
    const answer = await post(development, { query: `{ __typename } # ${"x".repeat(1024 * 1024)}` });
    expectTyped(answer, 400, "OPERATION_LIMIT_EXCEEDED");
    expect(answer.body?.errors?.[0]?.extensions?.limit).toBe("documentBytes");
    // The unread rest of the body makes the connection unusable: the client is told not to reuse it.
    expect(answer.headers.get("connection")).toBe("close");
  });

  it("a bearer token longer than 8192 characters: 431 TOKEN_TOO_LARGE", async () => {
    const answer = await post(
      development,
      { query: "{ __typename }" },
      { authorization: `Bearer ${"a".repeat(9000)}` },
    );
    expectTyped(answer, 431, "TOKEN_TOO_LARGE");
  });

  it("headers over Node's limit (a 27 KB token): 431 REQUEST_HEADER_TOO_LARGE, not an empty body", async () => {
    const answer = await post(
      development,
      { query: "{ __typename }" },
      { authorization: `Bearer ${"a".repeat(27_000)}` },
    );
    expectTyped(answer, 431, "REQUEST_HEADER_TOO_LARGE");
  });

  it("a request the HTTP parser cannot read: 400 BAD_REQUEST with a JSON body", async () => {
    const { port } = new URL(development.gatewayUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString("utf8");
      });
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toEqual({
      errors: [{ message: "Malformed HTTP request", extensions: { code: "BAD_REQUEST" } }],
    });
  });
});

describe("production keeps schema names out of client errors", () => {
  const statistics = "query($b: [StatisticDimension!]!) { populationStatistics(by: $b) { count } }";
  const verify = 'query($c: IdentityClaimsInput!) { verifyIdentity(idcs: "1000000009", claims: $c) { matched } }';

  async function ask(
    system: RunningSystem,
    query: string,
    variables: Record<string, unknown>,
    caller: typeof anr | typeof analyst | typeof anrCaseWorker = analyst,
  ) {
    const token = await system.token(caller);
    return send(system, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  }

  it("a misspelt enum value in variables: no suggestion (development suggests it)", async () => {
    const dev = await ask(development, statistics, { b: ["REGIONN"] });
    expect(dev.body?.errors?.[0]?.message).toMatch(/Did you mean the enum value "REGION"/);
    const prod = await ask(production, statistics, { b: ["REGIONN"] });
    expectTyped(prod, 400, "BAD_USER_INPUT");
    expect(prod.text).not.toMatch(/Did you mean|\\"REGION\\"/);
    expect(prod.body?.errors?.[0]?.message).toMatch(/"REGIONN" does not exist in "StatisticDimension" enum\.$/);
  });

  it("a misspelt input field in variables: no suggestion (development suggests it)", async () => {
    // A case worker: in production a system is served registered documents only.
    const dev = await ask(development, verify, { c: { lastNam: "Alaoui" } }, anrCaseWorker);
    expect(dev.body?.errors?.[0]?.message).toMatch(/Did you mean "lastName"/);
    const prod = await ask(production, verify, { c: { lastNam: "Alaoui" } }, anrCaseWorker);
    expectTyped(prod, 400, "BAD_USER_INPUT");
    expect(prod.text).not.toMatch(/Did you mean|lastName/);
  });

  it("misspelt fields, arguments and enum literals in the document: no suggestion", async () => {
    for (const query of [
      "{ populationStatistic { count } }",
      "{ populationStatistics(byy: [REGION]) { count } }",
      "{ populationStatistics(by: [REGIONN]) { count } }",
      "{ ... on Quer { __typename } }",
    ]) {
      const prod = await ask(production, query, {});
      expectTyped(prod, 400, "GRAPHQL_VALIDATION_FAILED");
      expect(prod.text).not.toMatch(/Did you mean/);
    }
  });
});

describe("GET requests", () => {
  const get = async (system: RunningSystem, query: string) =>
    send(
      system,
      { headers: { authorization: `Bearer ${await system.token(anr)}`, "apollo-require-preflight": "1" } },
      `/graphql?query=${encodeURIComponent(query)}`,
    );

  it("production runs no free-form query over GET, preflight header or not: 400 PERSISTED_DOCUMENT_REQUIRED", async () => {
    const answer = await get(production, '{ person(idcs: "1000000009") { idcs firstName } }');
    expectTyped(answer, 400, "PERSISTED_DOCUMENT_REQUIRED");
    expect(answer.body?.data).toBeUndefined();
  });

  it("development still answers a GET query with the preflight header", async () => {
    const answer = await get(development, "{ __typename }");
    expect(answer.status).toBe(200);
    expect(answer.body?.data).toEqual({ __typename: "Query" });
  });
});

describe("landing page", () => {
  const page = (system: RunningSystem) => send(system, { headers: { accept: "text/html" } });

  it("development serves a self-contained page: no script, style, font or link from anywhere else", async () => {
    const answer = await page(development);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/npm run -s token/);
    expect(answer.text).toMatch(/curl/);
    // No absolute URL at all, and nothing the browser would fetch: no src, href, @import or url().
    expect(answer.text).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(answer.text).not.toMatch(/\b(src|href|srcset|action)\s*=|@import|url\(/i);
    expect(answer.text).not.toMatch(/<script|<link|<iframe|<img/i);
  });

  it("subgraphs serve no landing page (only the gateway talks to them)", async () => {
    const response = await fetch(`${development.populationUrl}/graphql`, { headers: { accept: "text/html" } });
    const text = await response.text();
    expect(text).not.toMatch(/<html|cdn\.apollographql/i);
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it("production serves no landing page", async () => {
    const answer = await page(production);
    expect(answer.text).not.toMatch(/<html/i);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.contentType).toMatch(/^application\/json/);
  });
});
