import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { accessLogProductionSettings, accessLogWitnessesSetting } from "./testkit/production-system.js";
import { type Exit, runToExit as run } from "./testkit/run-to-exit.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const without = (env: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));

/** Every production setting of the gateway, present: each case takes one away. */
const GATEWAY = {
  GATEWAY_PORT: "0",
  GATEWAY_ISSUERS_FILE: "/etc/spx/issuers.json",
  GATEWAY_TOKEN_SECRET_FILE: "/etc/spx/gateway-token.secret",
  ACCESS_LOG_DATABASE_URL: "postgresql://spx@db.example/access_log",
  ACCESS_LOG_ORIGIN: "exchange.example/access-log",
  ACCESS_LOG_SIGNING_KEY_FILE: "/etc/spx/access-log.jwk",
  ACCESS_LOG_WITNESSES: accessLogWitnessesSetting("https://witness.example"),
  ATTESTATION_JWKS: '{"keys":[]}',
  REDIS_URL: "redis://redis.example:6379",
  RATE_LIMIT_KEY: "k".repeat(32),
  CONSOLE_OIDC_ISSUER: "https://idp.example",
  CONSOLE_OIDC_CLIENT_ID: "console",
  CONSOLE_PUBLIC_URL: "https://exchange.example",
};

/** Every production setting of a register that asks the graph (direct aid). */
const DIRECT_AID = {
  DIRECT_AID_PORT: "0",
  DIRECT_AID_DATABASE_URL: "postgresql://spx@db.example/direct_aid",
  GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/direct-aid.token-keys",
  REDIS_URL: "redis://redis.example:6379",
  GATEWAY_URL: "https://gateway.example/graphql",
  TOKEN_URL: "https://idp.example/token",
  DIRECT_AID_CLIENT_ID: "direct-aid",
  DIRECT_AID_CLIENT_SECRET: "s3cret-from-the-vault",
};

const GATEWAY_MAIN = "gateway/dist/main.js";
const DIRECT_AID_MAIN = "subgraphs/direct-aid/dist/main.js";

/** Refused, naming exactly the settings taken away. */
function expectRefused(exit: Exit, ...settings: string[]) {
  expect(exit.code).not.toBe(0);
  for (const setting of settings) {
    expect(exit.output).toMatch(new RegExp(`^\\s*${setting}: required in production`, "m"));
  }
  expect(exit.output.match(/required in production/g)).toHaveLength(settings.length);
  // Refused before anything was made: no development key, no embedded database.
  expect(exit.dataDirEntries).toEqual([]);
}

describe("production refuses to start without its settings", () => {
  it("lists every missing setting of the gateway at once, on a line each, and creates nothing", async () => {
    const exit = await run(GATEWAY_MAIN, {});
    expect(exit.code).toBe(2);
    for (const setting of [
      "GATEWAY_ISSUERS_FILE",
      "GATEWAY_TOKEN_SECRET_FILE",
      "ACCESS_LOG_DATABASE_URL",
      "ACCESS_LOG_ORIGIN",
      "ACCESS_LOG_SIGNING_KEY_FILE",
      "ACCESS_LOG_WITNESSES",
      "ATTESTATION_JWKS",
      "REDIS_URL",
      "CONSOLE_OIDC_ISSUER",
      "CONSOLE_OIDC_CLIENT_ID",
      "CONSOLE_PUBLIC_URL",
    ]) {
      expect(exit.output).toMatch(new RegExp(`^\\s*${setting}: required in production`, "m"));
    }
    expect(exit.output).not.toMatch(/\n\s+at /);
    expect(exit.dataDirEntries).toEqual([]);
  });

  it.each([
    ["the trusted issuers", ["GATEWAY_ISSUERS_FILE"], "GATEWAY_ISSUERS_FILE"],
    ["the token secret", ["GATEWAY_TOKEN_SECRET_FILE"], "GATEWAY_TOKEN_SECRET_FILE"],
    ["the access log's PostgreSQL", ["ACCESS_LOG_DATABASE_URL"], "ACCESS_LOG_DATABASE_URL"],
    ["the access log's origin", ["ACCESS_LOG_ORIGIN"], "ACCESS_LOG_ORIGIN"],
    ["the access log's key", ["ACCESS_LOG_SIGNING_KEY_FILE"], "ACCESS_LOG_SIGNING_KEY_FILE"],
    ["the access log's witnesses", ["ACCESS_LOG_WITNESSES"], "ACCESS_LOG_WITNESSES"],
    ["the attestation keys", ["ATTESTATION_JWKS"], "ATTESTATION_JWKS"],
    ["Redis", ["REDIS_URL", "RATE_LIMIT_KEY"], "REDIS_URL"],
    ["the console's identity provider", ["CONSOLE_OIDC_ISSUER"], "CONSOLE_OIDC_ISSUER"],
    ["the console's client", ["CONSOLE_OIDC_CLIENT_ID"], "CONSOLE_OIDC_CLIENT_ID"],
    ["the console's address", ["CONSOLE_PUBLIC_URL"], "CONSOLE_PUBLIC_URL"],
  ])("gateway without %s", async (_what, missing, setting) => {
    expectRefused(await run(GATEWAY_MAIN, without(GATEWAY, ...missing)), setting);
  });

  it("gateway: JWKS_URL alone does not count, the development issuer and audience are not trusted", async () => {
    const exit = await run(GATEWAY_MAIN, {
      ...without(GATEWAY, "GATEWAY_ISSUERS_FILE"),
      JWKS_URL: "https://idp.example/jwks",
    });
    expectRefused(exit, "JWT_ISSUER", "JWT_AUDIENCE");
  });

  it("gateway: CONSOLE=off needs none of the console's settings", async () => {
    const exit = await run(GATEWAY_MAIN, {
      ...without(GATEWAY, "CONSOLE_OIDC_ISSUER", "CONSOLE_OIDC_CLIENT_ID", "CONSOLE_PUBLIC_URL", "ATTESTATION_JWKS"),
      CONSOLE: "off",
    });
    expectRefused(exit, "ATTESTATION_JWKS");
  });

  it("gateway: the console signs in at a trusted issuer only, and its build must be there", async () => {
    const exit = await run(GATEWAY_MAIN, {
      ...without(GATEWAY, "GATEWAY_ISSUERS_FILE"),
      JWKS_URL: "https://idp.example/jwks",
      JWT_ISSUER: "https://idp.example",
      JWT_AUDIENCE: "spx-gateway",
      CONSOLE_OIDC_ISSUER: "https://elsewhere.example",
      CONSOLE_DIR: "/nonexistent/console/dist",
    });
    expect(exit.code).toBe(1);
    expect(exit.output).toMatch(
      /^\s*CONSOLE_OIDC_ISSUER: https:\/\/elsewhere\.example is not one of the gateway's trusted issuers/m,
    );
    expect(exit.output).toMatch(/^\s*CONSOLE_DIR: no built console at \/nonexistent\/console\/dist/m);
    expect(exit.output).not.toMatch(/\n\s+at /);
    expect(exit.dataDirEntries).toEqual([]);
  });

  it("gateway: the access log's witnesses must be a JSON array of named cosignature keys", async () => {
    for (const [value, message] of [
      ["[]", /ACCESS_LOG_WITNESSES: a JSON array/],
      ['[{"name":"w.example","url":"https://w.example","vkey":"w.example+00000000+AQ"}]', /vkey is not a verifier key/],
      [
        accessLogWitnessesSetting("https://w.example", "other.example").replace(/"name":"[^"]+"/, '"name":"w.example"'),
        /its vkey names other.example/,
      ],
    ] as const) {
      const exit = await run(GATEWAY_MAIN, { ...GATEWAY, ACCESS_LOG_WITNESSES: value });
      expect(exit.code).toBe(2);
      expect(exit.output).toMatch(message);
    }
  });

  it("gateway: the access log's database must be PostgreSQL", async () => {
    const exit = await run(GATEWAY_MAIN, { ...GATEWAY, ACCESS_LOG_DATABASE_URL: "file:///var/lib/spx/access-log" });
    expect(exit.code).toBe(2);
    expect(exit.output).toMatch(/^\s*ACCESS_LOG_DATABASE_URL: must be a postgresql:\/\/ URL/m);
  });

  it("lists every missing setting of a register at once, and creates nothing", async () => {
    const exit = await run(DIRECT_AID_MAIN, {});
    expect(exit.code).toBe(2);
    for (const setting of [
      "DIRECT_AID_DATABASE_URL",
      "GATEWAY_TOKEN_KEYS_FILE",
      "REDIS_URL",
      "GATEWAY_URL",
      "TOKEN_URL",
      "DIRECT_AID_CLIENT_ID",
      "DIRECT_AID_CLIENT_KEY_FILE",
    ]) {
      expect(exit.output).toMatch(new RegExp(`^\\s*${setting}: required in production`, "m"));
    }
    expect(exit.dataDirEntries).toEqual([]);
  });

  it.each([
    ["its database", ["DIRECT_AID_DATABASE_URL"], "DIRECT_AID_DATABASE_URL"],
    ["the keys of the gateway's tokens", ["GATEWAY_TOKEN_KEYS_FILE"], "GATEWAY_TOKEN_KEYS_FILE"],
    ["Redis", ["REDIS_URL"], "REDIS_URL"],
    ["the gateway's URL", ["GATEWAY_URL"], "GATEWAY_URL"],
    ["the token endpoint", ["TOKEN_URL"], "TOKEN_URL"],
    ["its client id", ["DIRECT_AID_CLIENT_ID"], "DIRECT_AID_CLIENT_ID"],
    ["its client credentials", ["DIRECT_AID_CLIENT_SECRET"], "DIRECT_AID_CLIENT_KEY_FILE"],
  ])("register without %s", async (_what, missing, setting) => {
    expectRefused(await run(DIRECT_AID_MAIN, without(DIRECT_AID, ...missing)), setting);
  });

  it("the social register without its attestation key", async () => {
    const exit = await run("subgraphs/social-registry/dist/main.js", {
      SOCIAL_REGISTRY_PORT: "0",
      SOCIAL_REGISTRY_DATABASE_URL: "postgresql://spx@db.example/social_registry",
      GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/token-keys",
      SINGLE_PROCESS: "true",
      GATEWAY_URL: "https://gateway.example/graphql",
      TOKEN_URL: "https://idp.example/token",
      SOCIAL_REGISTRY_CLIENT_ID: "social-registry",
      SOCIAL_REGISTRY_CLIENT_KEY_FILE: "/etc/spx/social-registry-client.jwk",
    });
    expectRefused(exit, "ATTESTATION_SIGNING_KEY");
  });

  it("a register refuses to seed demo data", async () => {
    const exit = await run("subgraphs/population/dist/main.js", {
      POPULATION_PORT: "0",
      POPULATION_DATABASE_URL: "postgresql://spx@db.example/population",
      GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/token-keys",
      SINGLE_PROCESS: "true",
      DEMO_SEED: "true",
    });
    expect(exit.code).toBe(2);
    expect(exit.output).toMatch(/^\s*DEMO_SEED: true is for development and is refused in production/m);
    expect(exit.dataDirEntries).toEqual([]);
  });

  it("a register that asks no other register needs no client", async () => {
    const exit = await run("subgraphs/population/dist/main.js", {});
    expect(exit.output).toMatch(/^\s*POPULATION_DATABASE_URL: required in production/m);
    expect(exit.output).not.toMatch(/TOKEN_URL|CLIENT_ID|GATEWAY_URL:/);
    expect(exit.dataDirEntries).toEqual([]);
  });

  it("the gateway refuses a token secret shorter than 32 bytes, without quoting it, and the retired signing key", async () => {
    const short = randomBytes(16).toString("base64url");
    const exit = await run(GATEWAY_MAIN, {
      ...without(GATEWAY, "GATEWAY_TOKEN_SECRET_FILE"),
      GATEWAY_TOKEN_SECRET: short,
    });
    expect(exit.code).toBe(2);
    expect(exit.output).toMatch(/^\s*GATEWAY_TOKEN_SECRET: 16 bytes decoded, at least 32 required/m);
    expect(exit.output).not.toContain(short);
    expect(exit.dataDirEntries).toEqual([]);
    const retired = await run(GATEWAY_MAIN, { ...GATEWAY, GATEWAY_SIGNING_KEY_FILE: "/etc/spx/gateway.jwk" });
    expect(retired.code).toBe(2);
    expect(retired.output).toMatch(/^\s*GATEWAY_SIGNING_KEY_FILE: removed: /m);
  });

  it("the token-key CLI reads the gateway's secret, never creates one, and prints only the register's entry", async () => {
    const missing = await run("gateway/dist/cli/token-key.js", {}, ["population"]);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/GATEWAY_TOKEN_SECRET_FILE: required in production/);
    expect(missing.dataDirEntries).toEqual([]);
    const secret = randomBytes(32).toString("base64url");
    const printed = await run("gateway/dist/cli/token-key.js", { GATEWAY_TOKEN_SECRET: secret }, ["population"]);
    expect(printed.code).toBe(0);
    expect(printed.output.trim()).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(printed.output).not.toContain(secret);
  });

  it("the token CLI refuses and creates no key", async () => {
    const exit = await run("gateway/dist/cli/token.js", {}, ["--agency", "ANR", "--role", "SYSTEM"]);
    expect(exit.code).toBe(2);
    expect(exit.output).toMatch(/token CLI is for development only and is refused with NODE_ENV=production/);
    expect(exit.output).not.toMatch(/^eyJ/m);
    expect(exit.dataDirEntries).toEqual([]);
  });
});

describe("a gateway given every production setting", () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase("prod_gateway");
    dir = mkdtempSync(path.join(tmpdir(), "spx-prod-keys-"));
    writeFileSync(path.join(dir, "gateway-token.secret"), randomBytes(32).toString("base64url"), { mode: 0o600 });
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts, serves no development token endpoint, and leaves DATA_DIR empty", async () => {
    if (!database.url) {
      return; // production refuses the embedded database: this case needs PostgreSQL
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), "spx-prod-"));
    const child = spawn(process.execPath, [path.join(ROOT, GATEWAY_MAIN)], {
      cwd: ROOT,
      env: {
        NODE_ENV: "production",
        DATA_DIR: dataDir,
        LOG_LEVEL: "info",
        GATEWAY_PORT: "0",
        JWKS_URL: "https://idp.example/jwks",
        JWT_ISSUER: "https://idp.example",
        JWT_AUDIENCE: "spx-gateway",
        GATEWAY_TOKEN_SECRET_FILE: path.join(dir, "gateway-token.secret"),
        ACCESS_LOG_DATABASE_URL: database.url,
        ...accessLogProductionSettings(dir),
        ATTESTATION_JWKS: '{"keys":[]}',
        SINGLE_PROCESS: "true",
        CONSOLE_OIDC_ISSUER: "https://idp.example",
        CONSOLE_OIDC_CLIENT_ID: "console",
        CONSOLE_PUBLIC_URL: "https://exchange.example",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const found = /"url":"(http:\/\/[^"]+)\/graphql".*gateway listening/.exec(output);
          if (found?.[1]) {
            clearTimeout(timer);
            resolve(found[1]);
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", (code) => reject(new Error(`gateway exited (${code}): ${output}`)));
      });
      const response = await fetch(`${url}/dev-issuer/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=direct-aid&client_secret=x",
      });
      expect(response.status).toBe(404);
      // Nor the console's development sign-in; the console itself is served, signing in at the issuer.
      const signIn = await fetch(`${url}/dev-issuer/console-token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" }),
      });
      expect(signIn.status).toBe(404);
      const config = (await (await fetch(`${url}/console/config.json`)).json()) as { login: string };
      expect(config.login).toBe("oidc");
      expect((await fetch(`${url}/`)).headers.get("content-security-policy")).toContain(
        "connect-src 'self' https://idp.example;",
      );
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
