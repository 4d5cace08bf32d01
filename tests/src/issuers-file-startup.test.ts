import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "issuers-startup-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the built gateway with an issuers file; it must stop before listening. */
function start(file: unknown) {
  const issuersFile = path.join(dir, "issuers.json");
  writeFileSync(issuersFile, JSON.stringify(file));
  return spawnSync(process.execPath, [path.join(root, "gateway/dist/main.js")], {
    env: { GATEWAY_ISSUERS_FILE: issuersFile, DATA_DIR: dir, GATEWAY_PORT: "0" },
    encoding: "utf8",
    timeout: 20_000,
  });
}

const keycloak = {
  issuer: "https://sso.anss.example/realms/anss",
  jwksUri: "https://sso.anss.example/realms/anss/protocol/openid-connect/certs",
  audience: "spx-gateway",
  algorithms: ["RS256"],
  tokenType: null,
};

describe("a defective GATEWAY_ISSUERS_FILE", () => {
  it("stops the gateway with one line per problem, and no stack trace", () => {
    const { status, stderr } = start({
      issuers: [
        {
          ...keycloak,
          claims: {
            agency: { value: "ANSSS" },
            role: { claim: "realm_access.roles", map: { "anss-case-worker": "CASE_WORKER", admin: "ROOT" } },
            purpose: { claim: "spx_purpose", map: { amo: "AMO" } },
          },
        },
      ],
    });
    expect(status).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      "The gateway does not start:",
      '  GATEWAY_ISSUERS_FILE: issuers.0.claims.agency: "ANSSS" is not an agency of the catalogue',
      '  GATEWAY_ISSUERS_FILE: issuers.0.claims.role: "ROOT" is not a role',
      '  GATEWAY_ISSUERS_FILE: issuers.0.claims.purpose: "AMO" is not a purpose of the catalogue',
    ]);
  });

  it("names each malformed field", () => {
    const { status, stderr } = start({
      issuers: [
        { ...keycloak, algorithms: ["none"], clockToleranceSeconds: 120 },
        { ...keycloak, tokenType: "" },
      ],
    });
    expect(status).toBe(1);
    const lines = stderr.trim().split("\n").slice(1);
    expect(lines.map((line) => line.split(":").slice(0, 2).join(":"))).toEqual([
      "  GATEWAY_ISSUERS_FILE: issuers.0.algorithms.0",
      "  GATEWAY_ISSUERS_FILE: issuers.0.clockToleranceSeconds",
      "  GATEWAY_ISSUERS_FILE: issuers.1.tokenType",
    ]);
  });
});
