import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  deriveRegisterKey,
  parseTokenKeys,
  signInternalToken,
  TokenKeyring,
  verifyInternalToken,
} from "@spx/runtime/tokens";
import { tokenKeyCommand } from "../cli/token-key.js";
import { loadEnv } from "../env.js";
import { gatewayTokenSigner, tokenSecretEnv } from "../token-secret.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-token-secret-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (source: Record<string, string>) => {
  try {
    loadEnv(source);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

describe("the gateway's token secret", () => {
  it("is GATEWAY_TOKEN_SECRET or its file, at least 32 bytes of base64url, refused otherwise without being quoted", () => {
    const short = randomBytes(24).toString("base64url");
    const message = problems({ GATEWAY_TOKEN_SECRET: short });
    expect(message).toContain("GATEWAY_TOKEN_SECRET: 24 bytes decoded, at least 32 required");
    expect(message).not.toContain(short);
    expect(problems({ GATEWAY_TOKEN_SECRET: "not base64url!" })).toContain("GATEWAY_TOKEN_SECRET: not base64url");
    const secret = randomBytes(32).toString("base64url");
    expect(problems({ GATEWAY_TOKEN_SECRET: secret, GATEWAY_TOKEN_SECRET_FILE: "/x" })).toContain(
      "set GATEWAY_TOKEN_SECRET or GATEWAY_TOKEN_SECRET_FILE, not both",
    );
    expect(problems({ NODE_ENV: "production" })).toMatch(/GATEWAY_TOKEN_SECRET_FILE: required in production/);
    // The retired Ed25519 key is told, not ignored.
    expect(problems({ GATEWAY_SIGNING_KEY_FILE: "/etc/spx/gateway.jwk" })).toMatch(
      /GATEWAY_SIGNING_KEY_FILE: removed: the tokens to the registers are keyed by GATEWAY_TOKEN_SECRET_FILE/,
    );
  });

  it("signs alike from the value and from a file (trailing newline ignored); a short file is refused, unquoted", () => {
    const secret = randomBytes(32).toString("base64url");
    const file = path.join(dir, "secret");
    writeFileSync(file, `${secret}\n`);
    const fromValue = gatewayTokenSigner(loadEnv({ GATEWAY_TOKEN_SECRET: secret }));
    const fromFile = gatewayTokenSigner(loadEnv({ GATEWAY_TOKEN_SECRET_FILE: file }));
    expect(fromFile.kid).toBe(fromValue.kid);
    expect(fromFile.registerKey("population").key.equals(fromValue.registerKey("population").key)).toBe(true);
    expect(JSON.stringify(fromFile)).not.toContain(secret);
    const short = path.join(dir, "short");
    writeFileSync(short, randomBytes(16).toString("base64url"));
    expect(() => gatewayTokenSigner(loadEnv({ GATEWAY_TOKEN_SECRET_FILE: short }))).toThrow(
      "GATEWAY_TOKEN_SECRET_FILE: 16 bytes decoded, at least 32 required",
    );
  });

  it("in development is created once under DATA_DIR, and the registers derive their keys from the same", async () => {
    const dataDir = path.join(dir, "data");
    const signer = gatewayTokenSigner(loadEnv({ DATA_DIR: dataDir }));
    const again = gatewayTokenSigner(loadEnv({ DATA_DIR: dataDir }));
    expect(again.kid).toBe(signer.kid);
    const master = Buffer.from(readFileSync(path.join(dataDir, "keys", "gateway-token.secret"), "utf8"), "base64url");
    const keys = TokenKeyring.of([deriveRegisterKey(master, "population")]);
    const request = { query: "{ x }" };
    const caller = { sub: "s", role: "SYSTEM", agency: "ANR" } as const;
    const token = signInternalToken(signer, "population", { caller, requestId: "r", request });
    await expect(verifyInternalToken(token, keys, "population", request)).resolves.toMatchObject({ requestId: "r" });
  });
});

describe("npm run -s token-key -- <register>", () => {
  it("prints the register's GATEWAY_TOKEN_KEYS entry for the gateway's secret, and nothing else", () => {
    const secret = randomBytes(32).toString("base64url");
    const result = tokenKeyCommand(["social-registry"], { GATEWAY_TOKEN_SECRET: secret });
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    const [entry] = parseTokenKeys(result.stdout, "stdout");
    const signer = gatewayTokenSigner(tokenSecretEnv({ GATEWAY_TOKEN_SECRET: secret }));
    expect(entry?.kid).toBe(signer.kid);
    expect(entry?.key.equals(signer.registerKey("social-registry").key)).toBe(true);
    expect(result.stdout).not.toContain(secret);
    // Another register's entry is another key.
    expect(tokenKeyCommand(["population"], { GATEWAY_TOKEN_SECRET: secret }).stdout).not.toBe(result.stdout);
  });

  it("refuses an unknown register and a bad secret, without quoting it", () => {
    expect(tokenKeyCommand(["popullation"], {})).toMatchObject({ exitCode: 2, stdout: "" });
    expect(tokenKeyCommand(["access-log"], {}).stderr).toContain("population, social-registry");
    const short = randomBytes(8).toString("base64url");
    const result = tokenKeyCommand(["population"], { GATEWAY_TOKEN_SECRET: short });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("GATEWAY_TOKEN_SECRET: 8 bytes decoded");
    expect(result.stderr).not.toContain(short);
    expect(tokenKeyCommand(["population"], { NODE_ENV: "production" }).stderr).toMatch(
      /GATEWAY_TOKEN_SECRET_FILE: required in production/,
    );
  });
});
