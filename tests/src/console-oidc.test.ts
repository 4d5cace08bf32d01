import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLOCK_TOLERANCE_SECONDS, createAuthenticator } from "@spx/gateway/authenticate";
import { IDENTITY_MAPPING } from "@spx/gateway/identity/claims-mapping";
import type { TrustedIssuer } from "@spx/gateway/identity/trusted-issuers";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader } from "jose";
import type { Browser, Response as PageResponse, Request } from "playwright-core";
import { closePage, launchBrowser, openPage, type WatchedPage } from "./testkit/browser.js";
import { type LoginProvider, startLoginProvider } from "./testkit/login-provider.js";
import { freePort } from "./testkit/production-system.js";
import { type AnotherGateway, type RunningSystem, startAnotherGateway, startSystem } from "./testkit/start-system.js";

/*
 * Production sign-in, for real: an OpenID provider (oidc-provider) with the console's public
 * client, a gateway in production mode trusting it, and Chromium going through the provider's
 * login page. console/src/auth/oidc.ts runs in the page as the console runs it (built
 * by Vite into a small page standing in for the login page), exchanges the code with its PKCE
 * verifier, and the graph answers the page with the provider's token and the purpose chosen
 * before signing in.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLIENT_ID = "console";

let provider: LoginProvider;
let system: RunningSystem;
let standIn: AnotherGateway;
let browser: Browser;
let pageDir: string;
/** The stand-in login page's gateway; the system's own serves the real console. */
let gatewayUrl: string;
let consoleUrl: string;
let citizenIdcs: string;
const accounts: Record<string, Record<string, unknown>> = {};

/** Builds the stand-in login page with Vite, as the console is built. */
function buildTestPage(): string {
  const out = mkdtempSync(path.join(tmpdir(), "spx-oidc-page-"));
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/vite/bin/vite.js"),
      "build",
      path.join(ROOT, "tests/fixtures/console-oidc"),
      "--outDir",
      out,
      "--emptyOutDir",
      "--logLevel",
      "warn",
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  return out;
}

beforeAll(async () => {
  const [consolePort, standInPort] = [await freePort(), await freePort()];
  consoleUrl = `http://127.0.0.1:${consolePort}`;
  gatewayUrl = `http://127.0.0.1:${standInPort}`;
  const callback = (base: string) => `${base}/login/callback`;
  provider = await startLoginProvider({
    clientId: CLIENT_ID,
    redirectUris: () => [callback(consoleUrl), callback(gatewayUrl)],
    accounts,
  });
  pageDir = buildTestPage();
  const trusted: TrustedIssuer = {
    issuer: provider.issuer,
    keys: createRemoteJWKSet(new URL(provider.jwksUri)),
    audience: provider.audience,
    algorithms: [provider.algorithm],
    tokenType: "at+jwt",
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    claims: IDENTITY_MAPPING,
  };
  const oidc = (base: string) => ({
    issuer: provider.issuer,
    clientId: CLIENT_ID,
    scope: "openid",
    redirectUri: callback(base),
  });
  system = await startSystem({
    label: "console_oidc",
    production: true,
    seedPersons: 3,
    gatewayPort: consolePort,
    issuers: [trusted],
    console: { oidc: oidc(consoleUrl) },
  });
  standIn = await startAnotherGateway(
    system,
    {
      production: true,
      authenticate: createAuthenticator({ issuers: [trusted] }, () => {}),
      console: { dir: pageDir, oidc: oidc(gatewayUrl) },
    },
    standInPort,
  );
  // A registered resident (read from the register: in production a register's own grant asks
  // the graph with registered documents only).
  const person = await system.population.prisma.person.findFirst({ orderBy: { idcs: "asc" } });
  citizenIdcs = person?.idcs ?? "";
  expect(citizenIdcs).toMatch(/^\d{10}$/);
  // The provider's account for this resident: what its access tokens say about them.
  accounts.amina = { role: "CITIZEN", idcs: citizenIdcs };
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await standIn?.stop();
  await system?.stop();
  await provider?.stop();
  if (pageDir) {
    rmSync(pageDir, { recursive: true, force: true });
  }
});

/** Clicks "Sign in" at /login and waits for the provider's login form; returns the authorization request. */
async function startSignIn(watched: WatchedPage): Promise<URL> {
  const { page } = watched;
  await page.goto(`${gatewayUrl}/login`);
  const authorization = page.waitForRequest((request) => request.url().startsWith(`${provider.issuer}/auth`));
  await page.click("#sign-in");
  const request = await authorization;
  await page.waitForSelector('input[name="login"]');
  return new URL(request.url());
}

async function outcome(watched: WatchedPage): Promise<Record<string, unknown>> {
  await watched.page.waitForFunction(() => (document.getElementById("out")?.textContent ?? "") !== "", undefined, {
    timeout: 20_000,
  });
  return JSON.parse((await watched.page.textContent("#out")) ?? "{}") as Record<string, unknown>;
}

describe("signing in to the console at the identity provider", () => {
  it("goes through the provider's login with PKCE, and the graph answers the page with the provider's token", async () => {
    // The stand-in page asks the graph in plain text; the console itself never does.
    const watched = await openPage(browser, { graphqlText: true });
    const requests: Request[] = [];
    watched.page.on("request", (request) => requests.push(request));
    const authorization = await startSignIn(watched);
    // The authorization request: code flow, PKCE S256, state and nonce, the console's own client.
    expect(Object.fromEntries(authorization.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: "code",
      scope: "openid",
      redirect_uri: `${gatewayUrl}/login/callback`,
      code_challenge_method: "S256",
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
    });
    // Nothing but the verifier's hash left the browser before the exchange.
    const pending = await watched.page.evaluate(() => sessionStorage.length);
    expect(pending).toBe(0); // on the provider's origin: its storage is not the console's
    await watched.page.fill('input[name="login"]', "amina");
    await watched.page.fill('input[name="password"]', "any");
    await watched.page.click('button[type="submit"]');
    const result = await outcome(watched);
    expect(result).toMatchObject({
      status: 200,
      body: { data: { person: { idcs: citizenIdcs } } },
      purpose: "SELF_SERVICE",
      localKeys: 0,
    });
    // The sign-in in progress is gone once used; the page keeps the token itself (the session module's job).
    expect(result.sessionKeys).toEqual([]);
    expect(result.expiresInSeconds).toBeGreaterThan(500);
    expect(watched.page.url()).toBe(`${gatewayUrl}/me`);

    // The code was exchanged by the browser, a public client: verifier, no secret.
    const exchange = requests.find((request) => request.url() === `${provider.issuer}/token`);
    const form = new URLSearchParams(exchange?.postData() ?? "");
    expect(form.get("grant_type")).toBe("authorization_code");
    expect(form.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(form.get("client_id")).toBe(CLIENT_ID);
    expect(form.has("client_secret")).toBe(false);
    expect(exchange?.headers().authorization).toBeUndefined();

    // The graph was asked with the provider's access token (RFC 9068) and the purpose as X-Purpose.
    const graph = requests.find((request) => request.url() === `${gatewayUrl}/graphql`);
    const headers = graph?.headers() ?? {};
    expect(headers["x-purpose"]).toBe("SELF_SERVICE");
    const token = (headers.authorization ?? "").replace(/^Bearer /, "");
    expect(decodeProtectedHeader(token).typ).toBe("at+jwt");
    expect(decodeJwt(token)).toMatchObject({
      iss: provider.issuer,
      aud: provider.audience,
      role: "CITIZEN",
      idcs: citizenIdcs,
    });
    expect(decodeJwt(token).purpose).toBeUndefined();

    // The provider's answer is good once: the same callback again finds no sign-in in progress.
    const callback = requests.find((request) => request.url().startsWith(`${gatewayUrl}/login/callback?`));
    expect(callback?.url()).toContain("code=");
    await watched.page.goto(callback?.url() ?? "");
    expect(await outcome(watched)).toMatchObject({ error: "no_pending_login" });
    await closePage(watched);
  });

  it("refuses an answer that does not belong to the sign-in this tab started (forged state)", async () => {
    const watched = await openPage(browser);
    await startSignIn(watched);
    await watched.page.goto(`${gatewayUrl}/login/callback?code=forged&state=forged&iss=${provider.issuer}`);
    expect(await outcome(watched)).toMatchObject({ error: "state_mismatch" });
    await closePage(watched);
  });

  it("says the provider refused when it answers with an error", async () => {
    const watched = await openPage(browser);
    const authorization = await startSignIn(watched);
    const state = authorization.searchParams.get("state") ?? "";
    await watched.page.goto(
      `${gatewayUrl}/login/callback?error=access_denied&error_description=refused&state=${state}&iss=${encodeURIComponent(provider.issuer)}`,
    );
    expect(await outcome(watched)).toMatchObject({ error: "authorization_denied", providerError: "access_denied" });
    await closePage(watched);
  });

  it("cannot complete without having started", async () => {
    const watched = await openPage(browser);
    await watched.page.goto(`${gatewayUrl}/login/callback?code=x&state=y`);
    expect(await outcome(watched)).toMatchObject({ error: "no_pending_login" });
    await closePage(watched);
  });

  it("signs in through the console's own login page, which lands on the citizen's page with the provider's token", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    const answered: PageResponse[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/graphql" && response.request().method() === "POST") {
        answered.push(response);
      }
    });
    await page.goto(`${consoleUrl}/login`);
    await page.selectOption('select:has(option[value="-:CITIZEN"])', { value: "-:CITIZEN" });
    await page.check('input[name="purpose"][value="SELF_SERVICE"]');
    const authorization = page.waitForRequest((request) => request.url().startsWith(`${provider.issuer}/auth`));
    await page.click('button[type="submit"]');
    expect(new URL((await authorization).url()).searchParams.get("code_challenge_method")).toBe("S256");
    await page.fill('input[name="login"]', "amina");
    await page.click('button[type="submit"]');
    await page.waitForURL(`${consoleUrl}/me`);
    await expect(page.textContent("body")).resolves.toContain("SELF_SERVICE");
    // The session holds the provider's token, in sessionStorage only; the graph accepts it with the purpose.
    const stored = await page.evaluate(() => ({
      session: Object.values({ ...sessionStorage }).join(" "),
      local: localStorage.length,
    }));
    expect(stored.local).toBe(0);
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(stored.session)?.[0] ?? "";
    expect(decodeJwt(token)).toMatchObject({ iss: provider.issuer, role: "CITIZEN", idcs: citizenIdcs });
    // The page's own requests carried that token and the purpose, and the graph answered them.
    await page.getByTestId("section-identity").getByText(citizenIdcs).first().waitFor();
    expect(answered.length).toBeGreaterThan(0);
    for (const response of answered) {
      const headers = response.request().headers();
      expect(headers.authorization).toBe(`Bearer ${token}`);
      expect(headers["x-purpose"]).toBe("SELF_SERVICE");
      expect(response.status()).toBe(200);
    }
    const served = await Promise.all(answered.map((response) => response.json() as Promise<{ data?: unknown }>));
    expect(JSON.stringify(served.map((body) => body.data))).toContain(citizenIdcs);
    await closePage(watched);
  });

  it("serves the console in production with the provider allowed by its policy, and no development sign-in", async () => {
    const response = await fetch(`${gatewayUrl}/login`);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain(`connect-src 'self' ${provider.issuer};`);
    expect(policy).toContain(`form-action 'self' ${provider.issuer}`);
    const signIn = await fetch(`${gatewayUrl}/dev-issuer/console-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ role: "CITIZEN", idcs: citizenIdcs, purpose: "SELF_SERVICE" }),
    });
    expect(signIn.status).toBe(404);
  });
});
