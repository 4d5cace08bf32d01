import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { catalogue } from "@spx/runtime/access";
import { EnvError } from "@spx/runtime/config";
import { DEV_ISSUER } from "@spx/runtime/tokens";
import { loadEnv } from "../env.js";
import { IDENTITY_MAPPING } from "../identity/claims-mapping.js";
import { trustedIssuers } from "../identity/trusted-issuers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "issuers-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const issuesOf = (source: Record<string, string>): string[] => {
  try {
    loadEnv(source);
    return [];
  } catch (error) {
    return error instanceof EnvError ? error.issues : [String(error)];
  }
};

describe("which issuers the gateway trusts", () => {
  it("reads GATEWAY_ISSUERS_FILE", async () => {
    const file = path.join(dir, "issuers.json");
    writeFileSync(
      file,
      JSON.stringify({
        issuers: [
          {
            issuer: "https://as.identity.example",
            jwksUri: "https://as.identity.example/jwks",
            audience: "urn:spx:gateway",
            algorithms: ["ES256"],
            claims: { agency: { claim: "client_id", map: { "cnss-batch": "CNSS" } }, role: { value: "SYSTEM" } },
          },
        ],
      }),
    );
    const { issuers, development } = await trustedIssuers(
      loadEnv({ GATEWAY_ISSUERS_FILE: file, DATA_DIR: dir }),
      catalogue(),
    );
    expect(development).toBe(false);
    expect(issuers).toEqual([
      expect.objectContaining({
        issuer: "https://as.identity.example",
        tokenType: "at+jwt",
        clockToleranceSeconds: 30,
      }),
    ]);
  });

  it("keeps the single-issuer settings: one issuer in this system's own claim names", async () => {
    const env = loadEnv({
      JWKS_URL: "https://idp.example/jwks",
      JWT_ISSUER: "https://idp.example",
      JWT_AUDIENCE: "spx",
      JWT_ALGORITHMS: "RS256,ES256",
      DATA_DIR: dir,
    });
    const { issuers, development } = await trustedIssuers(env, catalogue());
    expect(development).toBe(false);
    expect(issuers).toEqual([
      expect.objectContaining({
        issuer: "https://idp.example",
        audience: "spx",
        algorithms: ["RS256", "ES256"],
        tokenType: null,
        claims: IDENTITY_MAPPING,
      }),
    ]);
  });

  it("trusts the development issuer when nothing is configured", async () => {
    const { issuers, development } = await trustedIssuers(loadEnv({ DATA_DIR: dir }), catalogue());
    expect(development).toBe(true);
    expect(issuers.map((i) => i.issuer)).toEqual([DEV_ISSUER]);
  });

  it("refuses both sources at once, an unreadable file, and `none`", async () => {
    expect(issuesOf({ GATEWAY_ISSUERS_FILE: "/x.json", JWKS_URL: "https://idp.example/jwks" })).toEqual([
      "GATEWAY_ISSUERS_FILE: set either GATEWAY_ISSUERS_FILE or JWKS_URL (one issuer), not both",
    ]);
    expect(issuesOf({ JWT_ALGORITHMS: "EdDSA,none" })).toEqual([expect.stringMatching(/^JWT_ALGORITHMS\.1: /)]);
    const missing = loadEnv({ GATEWAY_ISSUERS_FILE: path.join(dir, "missing.json"), DATA_DIR: dir });
    await expect(trustedIssuers(missing, catalogue())).rejects.toMatchObject({
      issues: [`GATEWAY_ISSUERS_FILE: cannot read ${path.join(dir, "missing.json")} (ENOENT)`],
    });
  });
});
