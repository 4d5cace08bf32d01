import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEV_TOKEN_PATH, devTokenEndpoint } from "@spx/gateway/dev-token-endpoint";
import {
  ClientRefusedError,
  clientCredentialsTokenSource,
  createGraphClient,
  devClientSecret,
  TokenEndpointUnavailableError,
} from "@spx/runtime/clients";
import { DEFAULT_AUDIENCE, DEV_ISSUER, generateSigningKey, localKeySet, type SigningKey } from "@spx/runtime/tokens";
import { exportJWK, generateKeyPair, jwtVerify } from "jose";
import { capturedLogs } from "./testkit/captured-logs.js";

async function serve(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

let dataDir: string;
let issuerKey: SigningKey;
let endpoint: { url: string; server: Server };
/** Requests that reached the development token endpoint. */
let requests = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "spx-client-credentials-"));
  issuerKey = (await generateSigningKey()).key;
  const route = devTokenEndpoint({
    issuerKey: async () => issuerKey,
    issuer: DEV_ISSUER,
    audience: DEFAULT_AUDIENCE,
    dataDir,
  });
  endpoint = await serve((req, res) => {
    requests++;
    // Slow enough that concurrent callers overlap.
    setTimeout(() => void route(req, res), 50);
  });
});
afterAll(async () => {
  await close(endpoint.server);
  rmSync(dataDir, { recursive: true, force: true });
});

const tokenUrl = () => `${endpoint.url}${DEV_TOKEN_PATH}`;
const directAid = (secret = () => devClientSecret(dataDir, "direct-aid")) =>
  ({ method: "client_secret_basic", clientId: "direct-aid", secret }) as const;

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(tokenUrl(), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });

describe("the development token endpoint", () => {
  it("issues a development-issuer token with the register's service claims (client_secret_basic)", async () => {
    const token = await clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid() })();
    const { payload } = await jwtVerify(token, localKeySet([issuerKey]), {
      issuer: DEV_ISSUER,
      audience: DEFAULT_AUDIENCE,
    });
    expect(payload).toMatchObject({ sub: "service:direct-aid", agency: "ANSS", role: "SERVICE" });
    expect(payload.purpose).toBe("ASD_ELIGIBILITY");
  });

  it("accepts client_secret_post and answers as RFC 6749 §5.1 says", async () => {
    const secret = devClientSecret(dataDir, "health-insurance");
    const response = await post(
      `grant_type=client_credentials&client_id=health-insurance&client_secret=${encodeURIComponent(secret)}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 300 });
    expect(typeof body.access_token).toBe("string");
  });

  it("refuses a wrong secret and an unknown client with 401 invalid_client", async () => {
    const wrong = await post("grant_type=client_credentials", {
      authorization: `Basic ${Buffer.from("direct-aid:not-the-secret").toString("base64")}`,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
    const unknown = await post("grant_type=client_credentials&client_id=population&client_secret=anything");
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: "invalid_client" });
  });

  it("refuses another grant with 400 unsupported_grant_type", async () => {
    const secret = devClientSecret(dataDir, "direct-aid");
    const response = await post("grant_type=password&username=a&password=b", {
      authorization: `Basic ${Buffer.from(`direct-aid:${secret}`).toString("base64")}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "unsupported_grant_type" });
  });
});

describe("the client-credentials token source", () => {
  it("keeps its token: the second call asks nothing", async () => {
    const source = clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid() });
    const before = requests;
    const first = await source();
    expect(await source()).toBe(first);
    expect(requests - before).toBe(1);
  });

  it("shares one request between concurrent callers", async () => {
    const source = clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid() });
    const before = requests;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source()));
    expect(new Set(tokens).size).toBe(1);
    expect(requests - before).toBe(1);
  });

  it("asks again at 80% of the lifetime, not before", async () => {
    let clock = Date.now();
    const source = clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid(), now: () => clock });
    const before = requests;
    const first = await source();
    clock += 230_000; // 300 s tokens: renewed after 240 s
    expect(await source()).toBe(first);
    expect(requests - before).toBe(1);
    clock += 15_000;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new iat, so a new token
    const renewed = await source();
    expect(renewed).not.toBe(first);
    expect(requests - before).toBe(2);
  });

  it("refresh() asks again at once (after a 401 from the graph)", async () => {
    const source = clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid() });
    await source();
    const before = requests;
    await source.refresh();
    expect(requests - before).toBe(1);
  });

  it("does not ask again in a loop for a refused client, and logs no secret", async () => {
    const { logger, lines } = capturedLogs();
    const source = clientCredentialsTokenSource({
      tokenUrl: tokenUrl(),
      client: directAid(() => "wrong-secret-do-not-log"),
      logger,
    });
    const before = requests;
    const refused = await source().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClientRefusedError);
    expect((refused as ClientRefusedError).error).toBe("invalid_client");
    expect((refused as ClientRefusedError).extensions.code).toBe("DEPENDENCY_UNAVAILABLE");
    await expect(source()).rejects.toBeInstanceOf(ClientRefusedError);
    await expect(source.refresh()).rejects.toBeInstanceOf(ClientRefusedError);
    expect(requests - before).toBe(1);
    expect(lines.join("\n")).toMatch(/refused this service's client/);
    expect(lines.join("\n")).not.toMatch(/wrong-secret-do-not-log/);
  });

  it("answers DEPENDENCY_UNAVAILABLE when the token endpoint does not answer", async () => {
    const { server, url } = await serve(() => {});
    try {
      const source = clientCredentialsTokenSource({ tokenUrl: `${url}/token`, client: directAid(), timeoutMs: 200 });
      const error = await source().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenEndpointUnavailableError);
      expect((error as TokenEndpointUnavailableError).extensions.code).toBe("DEPENDENCY_UNAVAILABLE");
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it("signs a fresh RFC 7523 assertion per request with private_key_jwt", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: "client-1" };
    const seen: { iss?: string; sub?: string; aud?: unknown; jti?: string; exp?: number; iat?: number }[] = [];
    // Checks what a provider checks of the assertion, and issues an opaque token.
    const { server, url } = await serve((req, res) => {
      void readForm(req).then(async (form) => {
        const { payload } = await jwtVerify(form.get("client_assertion") ?? "", publicKey, {
          audience: `${url}/token`,
          issuer: "direct-aid",
          subject: "direct-aid",
          requiredClaims: ["jti", "exp"],
        });
        expect(form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        expect(form.get("grant_type")).toBe("client_credentials");
        seen.push(payload as (typeof seen)[number]);
        sendJson(res, 200, { access_token: randomUUID(), token_type: "Bearer", expires_in: 60 });
      });
    });
    try {
      const source = clientCredentialsTokenSource({
        tokenUrl: `${url}/token`,
        client: { method: "private_key_jwt", clientId: "direct-aid", privateJwk },
      });
      await source();
      await source.refresh();
      expect(seen).toHaveLength(2);
      expect(seen[0]?.jti).not.toBe(seen[1]?.jti);
      expect((seen[0]?.exp ?? 0) - (seen[0]?.iat ?? 0)).toBeLessThanOrEqual(60);
    } finally {
      await close(server);
    }
  });
});

describe("a register's graph client", () => {
  it("gets a new token and retries once when the gateway answers 401", async () => {
    const source = clientCredentialsTokenSource({ tokenUrl: tokenUrl(), client: directAid() });
    const revoked = await source();
    const seen: string[] = [];
    // The gateway's answer to a token it no longer accepts: HTTP 401, UNAUTHENTICATED.
    const { server, url } = await serve((req, res) => {
      const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
      seen.push(token);
      req.resume();
      if (token === revoked) {
        sendJson(res, 401, { errors: [{ message: "Unauthenticated", extensions: { code: "UNAUTHENTICATED" } }] });
      } else {
        sendJson(res, 200, { data: { ok: true } });
      }
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new iat, so a new token
      const graph = createGraphClient({ url: () => `${url}/graphql`, token: source });
      expect(await graph.query<{ ok: boolean }>("{ ok }")).toEqual({ ok: true });
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBe(revoked);
      expect(seen[1]).not.toBe(revoked);
    } finally {
      await close(server);
    }
  });
});

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
