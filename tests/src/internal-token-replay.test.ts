import { createHash } from "node:crypto";
import { documentHash } from "@spx/runtime/tokens";
import { SignJWT } from "jose";
import { capturedLogs } from "./testkit/captured-logs.js";
import { type CapturingProxy, capturingProxy } from "./testkit/capturing-proxy.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const QUERY = "{ persons(first: 2) { edges { node { idcs } } } }";
const anr = { sub: "test:anr-replay", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" } as const;

let system: RunningSystem;
let proxy: CapturingProxy;
const logs = capturedLogs();

beforeAll(async () => {
  proxy = await capturingProxy(() => system.populationUrl);
  system = await startSystem({
    label: "replay",
    seedPersons: 5,
    logger: logs.logger,
    subgraphUrls: { population: `${proxy.url}/graphql` },
  });
});
afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => proxy?.server.close(resolve));
});

const metric = async (line: RegExp) => {
  const text = await (await fetch(`${system.populationUrl}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? Number.NaN);
};

const direct = (body: string, authorization: string) =>
  fetch(`${system.populationUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body,
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
  }));

describe("gateway tokens sent to a subgraph", () => {
  it("are accepted once: the captured token and body, sent again, are refused with 401 and counted", async () => {
    const served = await system.query<{ persons: { edges: { node: { idcs: string } }[] } }>(
      await system.token(anr),
      QUERY,
    );
    expect(served.status).toBe(200);
    expect(served.body.errors).toBeUndefined();
    const persons = served.body.data?.persons.edges.map((edge) => edge.node.idcs) ?? [];
    expect(persons).toHaveLength(2);
    const call = proxy.captured.at(-1);
    expect(call?.authorization).toMatch(/^Bearer /);
    const token = call?.authorization.slice("Bearer ".length) ?? "";
    const before = await metric(/^spx_internal_token_replays_total (\d+)$/m);

    const replayed = await direct(call?.body ?? "", call?.authorization ?? "");
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(replayed.body.data ?? null).toBeNull();
    expect(await metric(/^spx_internal_token_replays_total (\d+)$/m)).toBe(before + 1);
    expect(await metric(/^spx_internal_token_rejections_total\{reason="replayed"\} (\d+)$/m)).toBe(before + 1);

    // One warning, naming the subgraph and the request, with the token's id only as a hash prefix.
    const jti = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).jti as string;
    const events = logs.lines.filter((line) => line.includes("replayed gateway token refused"));
    expect(events).toHaveLength(1);
    const event = JSON.parse(events[0] ?? "{}");
    expect(event).toMatchObject({
      level: 40,
      subgraph: "population",
      jti: createHash("sha256").update(jti).digest("base64url").slice(0, 12),
    });
    expect(typeof event.requestId).toBe("string");
    for (const secret of [token, jti, anr.sub, ...persons]) {
      expect(events[0]).not.toContain(secret);
    }
  });

  it("are refused once older than 10 s + 5 s, though signed by the gateway for this very document", async () => {
    const before = await metric(/^spx_internal_token_rejections_total\{reason="expired"\} (\d+)$/m);
    const now = Math.floor(Date.now() / 1000);
    const stale = await new SignJWT({
      ...anr,
      rid: "stale",
      qh: documentHash({ query: QUERY }),
      jti: "a-stale-token-id-0001",
    })
      .setProtectedHeader({ alg: "HS256", kid: system.gatewayKey.kid, typ: "spx-internal+jwt" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject(anr.sub)
      .setIssuedAt(now - 16)
      .setExpirationTime(now - 6)
      .sign(new Uint8Array(system.gatewayKey.registerKey("population").key.export()));
    const refused = await direct(JSON.stringify({ query: QUERY }), `Bearer ${stale}`);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await metric(/^spx_internal_token_rejections_total\{reason="expired"\} (\d+)$/m)).toBe(before + 1);
  });
});
