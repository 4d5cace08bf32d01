import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultConsoleDir } from "@spx/gateway/console/console-dir";
import { decodeJwt } from "jose";
import type { Browser } from "playwright-core";
import { checkAccessibility, closePage, launchBrowser, openPage } from "./testkit/browser.js";
import { type AnotherGateway, type RunningSystem, startAnotherGateway, startSystem } from "./testkit/start-system.js";

/*
 * The console as the gateway serves it: on the graph's own port and origin, with its security
 * headers on every answer, its pages reloadable, nothing outside its directory reachable, its
 * configuration from the catalogue, and the development picker's token endpoint, which production
 * does not serve. Then in a real Chromium: the page loads fetching nothing from elsewhere, and
 * the browser kit catches a page that would.
 */

const OIDC = {
  issuer: "https://identity.example.org",
  clientId: "console",
  scope: "openid",
  redirectUri: "https://exchange.example.org/login/callback",
};
const PAGES = ["/", "/login", "/login/callback", "/dashboard", "/desk", "/desk/person/1234567890", "/me"];

let development: RunningSystem;
let production: RunningSystem;
let fixture: string;
let fixtureGateway: AnotherGateway;
let unbuiltGateway: AnotherGateway;

/** A console build of the test's own: a page, a hashed asset, a file beside them and a link out of the directory. */
function writeFixture(dir: string): void {
  mkdirSync(path.join(dir, "assets"), { recursive: true });
  writeFileSync(
    path.join(dir, "index.html"),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixture</title>' +
      '<script type="module" src="/assets/app-0123abcd.js"></script></head><body><main><h1>Fixture</h1></main></body></html>',
  );
  writeFileSync(path.join(dir, "assets/app-0123abcd.js"), 'document.body.dataset.loaded = "yes";\n');
  writeFileSync(path.join(dir, "assets/style-0123abcd.css"), "body { margin: 0; }\n");
  writeFileSync(path.join(dir, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, ".env"), "SECRET=outside the console\n");
  writeFileSync(path.join(path.dirname(dir), "secret.txt"), "outside the console\n");
  symlinkSync(path.join(path.dirname(dir), "secret.txt"), path.join(dir, "assets/leak.txt"));
  // Pages a broken build could ship: the browser kit must catch each.
  writeFileSync(
    path.join(dir, "inline.html"),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Inline</title></head>' +
      "<body><script>document.title = 'ran';</script></body></html>",
  );
  writeFileSync(
    path.join(dir, "inaccessible.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title>Inaccessible</title></head>' +
      '<body><main><h1>Form</h1><input type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>',
  );
  writeFileSync(
    path.join(dir, "external.html"),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>External</title></head>' +
      '<body><img src="https://cdn.example.com/logo.png" alt="logo"></body></html>',
  );
}

beforeAll(async () => {
  development = await startSystem({ label: "console_dev" });
  production = await startSystem({ label: "console_prod", production: true, console: { oidc: OIDC } });
  const parent = mkdtempSync(path.join(tmpdir(), "spx-console-"));
  fixture = path.join(parent, "dist");
  writeFixture(fixture);
  fixtureGateway = await startAnotherGateway(development, { console: { dir: fixture } });
  unbuiltGateway = await startAnotherGateway(development, { console: { dir: path.join(parent, "not-built") } });
}, 180_000);

afterAll(async () => {
  await fixtureGateway?.stop();
  await unbuiltGateway?.stop();
  await development?.stop();
  await production?.stop();
  if (fixture) {
    rmSync(path.dirname(fixture), { recursive: true, force: true });
  }
});

/** One request exactly as written (fetch and http.request would normalise or refuse the path). */
async function raw(
  base: string,
  target: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers: parsed, body: rest.join("\r\n\r\n") });
    });
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${extra}Connection: close\r\n\r\n`);
  });
}

const BASE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function expectSecurityHeaders(headers: Headers | Record<string, string>, policy = BASE_POLICY): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]);
  expect({
    csp: get("content-security-policy"),
    nosniff: get("x-content-type-options"),
    referrer: get("referrer-policy"),
    permissions: get("permissions-policy"),
  }).toEqual({
    csp: policy,
    nosniff: "nosniff",
    referrer: "no-referrer",
    permissions: "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  });
}

describe("the console at / on the gateway's port", () => {
  it("serves index.html with the security headers, revalidated on every visit", async () => {
    const response = await fetch(`${development.gatewayUrl}/`);
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expectSecurityHeaders(response.headers);
    expect(body).toBe(readFileSync(path.join(defaultConsoleDir(), "index.html"), "utf8"));
  });

  it("answers every page of the console with index.html, so that a reload or a bookmark works", async () => {
    const index = await (await fetch(`${fixtureGateway.url}/`)).text();
    for (const page of PAGES) {
      const response = await fetch(`${fixtureGateway.url}${page}?lang=ar`);
      expect([page, response.status, await response.text()]).toEqual([page, 200, index]);
    }
  });

  it("caches hashed assets for good, with the right types, and answers a current copy with 304", async () => {
    const script = await fetch(`${fixtureGateway.url}/assets/app-0123abcd.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expectSecurityHeaders(script.headers);
    const style = await fetch(`${fixtureGateway.url}/assets/style-0123abcd.css`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const icon = await fetch(`${fixtureGateway.url}/favicon.svg`);
    expect([icon.status, icon.headers.get("content-type"), icon.headers.get("cache-control")]).toEqual([
      200,
      "image/svg+xml",
      "no-cache",
    ]);
    const etag = script.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const again = await fetch(`${fixtureGateway.url}/assets/app-0123abcd.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const stale = await fetch(`${fixtureGateway.url}/assets/app-0123abcd.js`, {
      headers: { "if-none-match": 'W/"0-0"' },
    });
    expect(stale.status).toBe(200);
  });

  it("answers HEAD with GET's headers and no body", async () => {
    const get = await raw(fixtureGateway.url, "/assets/app-0123abcd.js");
    const head = await raw(fixtureGateway.url, "/assets/app-0123abcd.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(get.headers["content-length"]);
    expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
    expect(Number(get.headers["content-length"])).toBe(Buffer.byteLength(get.body));
  });

  it("ignores Range: the whole file, saying ranges are not served", async () => {
    const response = await fetch(`${fixtureGateway.url}/assets/app-0123abcd.js`, { headers: { range: "bytes=0-3" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("accept-ranges")).toBe("none");
    expect(await response.text()).toBe('document.body.dataset.loaded = "yes";\n');
  });

  it("answers an unknown path 404 NOT_FOUND, typed as the graph's errors, with the headers", async () => {
    for (const target of ["/nothing-here", "/assets/missing-0000.js", "/desk/person/", "/login/other", "/me/"]) {
      const response = await fetch(`${fixtureGateway.url}${target}`);
      expect([target, response.status]).toEqual([target, 404]);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expectSecurityHeaders(response.headers);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
      ).toBe("NOT_FOUND");
    }
  });

  it("refuses every way out of its directory with 400 or 404, never a file outside and never a 500", async () => {
    const attempts = [
      "/../package.json",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
      "/assets%2f..%2f..%2fsecret.txt",
      "/assets/..%5c..%5csecret.txt",
      "/assets/..\\..\\secret.txt",
      "/index.html%00.js",
      "/assets/app-0123abcd.js%00",
      "/..%c0%af..%c0%afsecret.txt",
      "/%ff",
      "//etc/passwd",
      "/assets/leak.txt",
      "/assets/./app-0123abcd.js",
      "/assets/app-0123abcd.js/",
      "/.env",
      "/assets/%2e%2e",
      "/%252e%252e/secret.txt",
      "/%zz",
      "/assets/app-0123abcd.js;.html",
      "/assets/",
      "/assets",
      "http://127.0.0.1/../secret.txt",
      "*",
    ];
    for (const target of attempts) {
      const answer = await raw(fixtureGateway.url, target);
      expect([target, [400, 404].includes(answer.status)]).toEqual([target, true]);
      expect(answer.body).not.toContain("outside the console");
      expect(answer.body).not.toContain('"name": "social-protection-exchange"');
    }
  });

  it("refuses a path longer than any of its own with 414, and a long query string changes nothing", async () => {
    const long = await raw(fixtureGateway.url, `/${"a".repeat(4000)}`);
    expect(long.status).toBe(414);
    const query = await fetch(`${fixtureGateway.url}/dashboard?${"q=1&".repeat(1500)}`);
    expect(query.status).toBe(200);
  });

  it("serves files for reading only: other methods 405 with Allow, an unknown path 404 whatever the method", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const answer = await raw(fixtureGateway.url, "/", method, { "content-length": "0" });
      expect([method, answer.status, answer.headers.allow]).toEqual([method, 405, "GET, HEAD"]);
    }
    expect((await raw(fixtureGateway.url, "/nothing-here", "POST", { "content-length": "0" })).status).toBe(404);
  });

  it("keeps the gateway's own routes: /graphql, health, readiness, keys, and the landing page in a browser", async () => {
    expect((await fetch(`${development.gatewayUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${development.gatewayUrl}/readyz?scope=gateway`)).status).toBe(200);
    expect((await fetch(`${development.gatewayUrl}/.well-known/jwks.json`)).status).toBe(200);
    const landing = await fetch(`${development.gatewayUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Social protection data exchange");
    const answer = await development.query(
      await development.token({ sub: "t", agency: "ANR", role: "SYSTEM" }),
      "{ __typename }",
    );
    expect(answer.body.data).toEqual({ __typename: "Query" });
  });

  it("tells how to build the console when it is not built (development), and 404s its files", async () => {
    const page = await fetch(`${unbuiltGateway.url}/dashboard`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("npm run build");
    expectSecurityHeaders(page.headers);
    expect((await fetch(`${unbuiltGateway.url}/assets/app.js`)).status).toBe(404);
    expect((await fetch(`${unbuiltGateway.url}/healthz`)).status).toBe(200);
  });
});

interface Config {
  login: string;
  oidc: typeof OIDC | null;
  grants: {
    agency: string | null;
    agencyName: string | null;
    role: string;
    rows: string[];
    scopes: string[];
    purposes: { code: string; description: string }[];
    legalBasis: string;
  }[];
  regions: { code: string; name: string }[];
}

describe("GET /console/config.json", () => {
  it("lists the grants a person signs in as, from the catalogue, and the twelve regions", async () => {
    const response = await fetch(`${development.gatewayUrl}/console/config.json`);
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers);
    const config = (await response.json()) as Config;
    expect(config.login).toBe("development");
    expect(config.oidc).toBeNull();
    const keys = config.grants.map((grant) => `${grant.agency ?? "-"}/${grant.role}`).sort();
    expect(keys).toEqual(
      ["ANR/CASE_WORKER", "CNSS/CASE_WORKER", "ANSS/CASE_WORKER", "MSPS/ANALYST", "CNDP/AUDITOR", "-/CITIZEN"].sort(),
    );
    const anss = config.grants.find((grant) => grant.agency === "ANSS");
    expect(anss).toMatchObject({ role: "CASE_WORKER", rows: ["sameRegion"] });
    expect(anss?.agencyName).toEqual(expect.any(String));
    expect(anss?.legalBasis).toMatch(/Law 58-23/);
    expect(anss?.purposes.map((purpose) => purpose.code)).toContain("CASE_MANAGEMENT");
    expect(anss?.purposes.every((purpose) => purpose.description.length > 10)).toBe(true);
    const citizen = config.grants.find((grant) => grant.role === "CITIZEN");
    expect(citizen).toMatchObject({ agency: null, agencyName: null, rows: ["self"] });
    expect(config.regions).toHaveLength(12);
    expect(config.regions[0]).toEqual({ code: "01", name: expect.any(String) });
  });

  it("names the identity provider in production, and no development picker", async () => {
    const response = await fetch(`${production.gatewayUrl}/console/config.json`);
    const config = (await response.json()) as Config;
    expect(config.login).toBe("oidc");
    expect(config.oidc).toEqual(OIDC);
  });
});

describe("POST /dev-issuer/console-token (development)", () => {
  const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${development.gatewayUrl}/dev-issuer/console-token`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("mints what the token CLI would for the grant, and the graph accepts it", async () => {
    const response = await post({ agency: "ANSS", role: "CASE_WORKER", region: "06", purpose: "CASE_MANAGEMENT" });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe("Bearer");
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      sub: "dev:console:anss:case_worker",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: "06",
      purpose: "CASE_MANAGEMENT",
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(body.expires_in);
    const answer = await development.query(body.access_token, "{ __typename }", undefined, {
      "x-purpose": "CASE_MANAGEMENT",
    });
    expect([answer.status, answer.body.data]).toEqual([200, { __typename: "Query" }]);
  });

  it("mints a citizen's token for their IDCS, its subject naming no one", async () => {
    const response = await post({ role: "CITIZEN", idcs: "1234567890", purpose: "SELF_SERVICE" });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ role: "CITIZEN", idcs: "1234567890", sub: "dev:console:citizen:citizen" });
    expect(claims.agency).toBeUndefined();
  });

  it.each([
    ["a content type other than JSON", "role=CITIZEN", { "content-type": "application/x-www-form-urlencoded" }],
    ["a body that is not JSON", "{role:", { "content-type": "application/json" }],
    ["a JSON array", [], undefined],
    ["a register's role", { agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" }, undefined],
    ["a case worker without a region", { agency: "ANSS", role: "CASE_WORKER", purpose: "CASE_MANAGEMENT" }, undefined],
    ["a citizen without an IDCS", { role: "CITIZEN", purpose: "SELF_SERVICE" }, undefined],
    ["a malformed IDCS", { role: "CITIZEN", idcs: "12345", purpose: "SELF_SERVICE" }, undefined],
    [
      "a region that does not exist",
      { agency: "ANSS", role: "CASE_WORKER", region: "13", purpose: "CASE_MANAGEMENT" },
      undefined,
    ],
    ["a purpose the grant does not allow", { agency: "MSPS", role: "ANALYST", purpose: "CASE_MANAGEMENT" }, undefined],
    ["no purpose", { agency: "MSPS", role: "ANALYST" }, undefined],
    ["an agency the catalogue does not list", { agency: "NOPE", role: "ANALYST", purpose: "STATISTICS" }, undefined],
    [
      "a pair the catalogue grants nothing",
      { agency: "MSPS", role: "CASE_WORKER", region: "01", purpose: "STATISTICS" },
      undefined,
    ],
    ["another key", { agency: "MSPS", role: "ANALYST", purpose: "STATISTICS", sub: "admin" }, undefined],
    [
      "a prototype key",
      '{"role":"CITIZEN","idcs":"1234567890","purpose":"SELF_SERVICE","__proto__":{"role":"SYSTEM"}}',
      { "content-type": "application/json" },
    ],
    ["a deeply nested body", `${"[".repeat(3000)}${"]".repeat(3000)}`, { "content-type": "application/json" }],
    ["a role of another type", { agency: "MSPS", role: ["ANALYST"], purpose: "STATISTICS" }, undefined],
  ])("refuses %s: 400 invalid_request", async (_what, body, headers) => {
    const response = await post(body, headers);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; error_description: string };
    expect(answer.error).toBe("invalid_request");
    expect(answer.error_description.length).toBeGreaterThan(5);
  });

  it("refuses a body over 8 KB unread, and every method but POST", async () => {
    const large = await post({ role: "CITIZEN", idcs: "1234567890", purpose: "SELF_SERVICE", pad: "x".repeat(9000) });
    expect(large.status).toBe(413);
    const get = await fetch(`${development.gatewayUrl}/dev-issuer/console-token`);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("is not served in production: 404 whatever the method", async () => {
    for (const method of ["POST", "GET"]) {
      const response = await fetch(`${production.gatewayUrl}/dev-issuer/console-token`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "POST"
          ? { body: JSON.stringify({ agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" }) }
          : {}),
      });
      expect([method, response.status]).toEqual([method, 404]);
    }
  });
});

describe("production's policy", () => {
  it("lets the browser reach the identity provider, and nothing else", async () => {
    const response = await fetch(`${production.gatewayUrl}/login`);
    expect(response.status).toBe(200);
    expectSecurityHeaders(
      response.headers,
      BASE_POLICY.replace("connect-src 'self'", "connect-src 'self' https://identity.example.org").replace(
        "form-action 'self'",
        "form-action 'self' https://identity.example.org",
      ),
    );
  });
});

describe("in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("loads the console from 127.0.0.1 only, with no CSP violation or console error", async () => {
    const watched = await openPage(browser);
    const response = await watched.page.goto(`${development.gatewayUrl}/dashboard`);
    expect(response?.status()).toBe(200);
    await watched.page.waitForSelector("#root *");
    expect(watched.requests.length).toBeGreaterThan(1);
    expect(watched.requests.every((url) => url.startsWith(development.gatewayUrl))).toBe(true);
    await closePage(watched);
  });

  it("runs the console's hashed script under the policy", async () => {
    const watched = await openPage(browser);
    await watched.page.goto(`${fixtureGateway.url}/desk`);
    await watched.page.waitForFunction(() => document.body.dataset.loaded === "yes");
    await closePage(watched);
  });

  it("the kit's accessibility check passes a sound page and lists what is wrong with another", async () => {
    const watched = await openPage(browser);
    await watched.page.goto(`${fixtureGateway.url}/`);
    await checkAccessibility(watched.page);
    await watched.page.goto(`${fixtureGateway.url}/inaccessible.html`);
    const failure = await checkAccessibility(watched.page).then(
      () => "",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/\bhtml-has-lang\b/);
    expect(failure).toMatch(/\blabel\b.*\n\s+input/);
    expect(failure).toMatch(/\bimage-alt\b/);
    await closePage(watched);
  });

  it("the kit catches an inline script the policy blocked", async () => {
    const watched = await openPage(browser);
    await watched.page.goto(`${fixtureGateway.url}/inline.html`);
    await watched.page.waitForFunction(() => document.readyState === "complete");
    expect(await watched.page.title()).toBe("Inline");
    await watched.context.close();
    expect(watched.problems().some((problem) => problem.startsWith("CSP violation: script-src"))).toBe(true);
  });

  it("the kit catches an external image (the policy blocks it before any request)", async () => {
    const watched = await openPage(browser);
    await watched.page.goto(`${fixtureGateway.url}/external.html`);
    await watched.page.waitForFunction(() => document.readyState === "complete");
    await watched.context.close();
    expect(watched.problems()).toContain(
      `CSP violation: img-src blocked https://cdn.example.com/logo.png in ${fixtureGateway.url}/external.html`,
    );
  });

  it("the kit records and blocks a request outside 127.0.0.1", async () => {
    const watched = await openPage(browser);
    await expect(watched.page.goto("https://cdn.example.com/logo.png")).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await watched.context.close();
    expect(watched.problems()).toContain("request outside 127.0.0.1: GET https://cdn.example.com/logo.png");
    expect(() => watched.expectClean()).toThrow(/cdn\.example\.com/);
  });
});
