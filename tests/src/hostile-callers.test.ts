import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * The worst a hostile or careless caller can send once authenticated, each answered fast: a typed
 * 4xx (or a normal answer), never a 500, a hang or an empty body. Complements the abuse documents
 * of operation-limits, demand-control and client-errors with inputs outside the document.
 */

const cnss = { sub: "test:hostile-cnss", agency: "CNSS", role: "SYSTEM", purpose: "AMO_ENROLMENT" } as const;

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "hostile", seedPersons: 20 });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function send(body: string, token?: string) {
  const started = performance.now();
  const response = await fetch(`${system.gatewayUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token ?? (await system.token(cnss))}`,
    },
    body,
  });
  const text = await response.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
  } catch {
    code = "NOT JSON";
  }
  return { status: response.status, code, ms: performance.now() - started };
}

const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

it.each([
  // Not declared by the operation: parsed, then ignored.
  [
    "variables nested 60,000 arrays deep",
    (): string => `{"query":"{ __typename }","variables":{"a":${nested(60_000)}}}`,
    200,
  ],
  [
    "a declared list variable nested 60,000 deep",
    (): string => `{"query":"query($i: [ID!]!) { people(idcs: $i) { idcs } }","variables":{"i":${nested(60_000)}}}`,
    400,
  ],
  ["a body nested 20,000 objects deep", (): string => `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`, 400],
  ["documentId of the wrong type", (): string => `{"documentId":{"x":1}}`, 400],
  ["operationName of the wrong type", (): string => `{"query":"{ __typename }","operationName":["a"]}`, 400],
  [
    "a fragment cycle",
    (): string => JSON.stringify({ query: "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }),
    400,
  ],
  [
    "600 unused variables",
    () =>
      JSON.stringify({
        query: `query(${Array.from({ length: 600 }, (_, i) => `$v${i}: ID`).join(", ")}) { __typename }`,
      }),
    400,
  ],
  [
    "a batch of 1,000 operations",
    (): string => JSON.stringify(Array.from({ length: 1000 }, () => ({ query: "{ __typename }" }))),
    400,
  ],
  [
    "1,400 copies of one field (graphql-js's overlap check is quadratic, and gives up)",
    (): string => JSON.stringify({ query: `{ people(idcs: ["1000000009"]) { ${"idcs ".repeat(1400)} } }` }),
    400,
  ],
] as const)("%s: typed and fast", async (_name, body, status) => {
  const answer = await send(body());
  expect({ status: answer.status, code: answer.code, json: answer.code !== "NOT JSON" }).toEqual({
    status,
    code: answer.code,
    json: true,
  });
  console.info(`${_name}: ${answer.status} ${String(answer.code ?? "")} in ${answer.ms.toFixed(0)} ms`);
  if (status >= 400) {
    expect(typeof answer.code).toBe("string");
  }
  expect(answer.ms).toBeLessThan(1_000);
});

it("refuses unsigned, expired-far-ahead and garbage tokens with 401", async () => {
  const [header, payload] = (await system.token(cnss)).split(".");
  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
  for (const token of [unsigned, `${header}.${payload}.AAAA`, "a.b.c", "x".repeat(8000)]) {
    const answer = await send(JSON.stringify({ query: "{ __typename }" }), token);
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  }
});
