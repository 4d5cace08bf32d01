import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ATTESTATION_ISSUER, generateSigningKey, jwksOf, type SigningKey, signAttestation } from "@spx/runtime/tokens";
import { verifyAttestationCommand } from "../cli/attestation-verify.js";

let dir: string;
let key: SigningKey;
let jwksFile: string;
let server: Server;
let jwksUrl: string;
const asOf = new Date("2030-01-02T03:04:05.000Z");
const during = new Date("2030-01-02T12:00:00.000Z");
const unreachable = () => "http://127.0.0.1:9/.well-known/jwks.json";

async function attestation(signer = key) {
  const { jws } = await signAttestation(
    signer,
    { idcs: "1234567890", program: "AMO_TADAMON", eligible: true, modelVersion: "v1", asOf, audience: "CNSS" },
    { issuer: ATTESTATION_ISSUER, ttlSeconds: 86_400 },
  );
  return jws;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-attestation-"));
  key = (await generateSigningKey()).key;
  jwksFile = path.join(dir, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify(jwksOf([key])));
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(jwksOf([key])));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => server?.close(resolve));
});

describe("attestation:verify", () => {
  it("prints the verified statement as one JSON object, offline from a JWKS file", async () => {
    const result = await verifyAttestationCommand([await attestation(), "--jwks", jwksFile], {
      defaultJwksUrl: unreachable,
      now: during,
    });
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({
      idcs: "1234567890",
      program: "AMO_TADAMON",
      eligible: true,
      asOf: "2030-01-02T03:04:05.000Z",
      expiresAt: "2030-01-03T03:04:05.000Z",
      issuer: ATTESTATION_ISSUER,
      keyId: key.kid,
    });
  });

  it("fetches the keys from the gateway's JWKS by default, or from a URL", async () => {
    const jws = await attestation();
    const byDefault = await verifyAttestationCommand([jws], { defaultJwksUrl: () => jwksUrl, now: during });
    expect(byDefault.exitCode).toBe(0);
    const byUrl = await verifyAttestationCommand([jws, "--jwks", jwksUrl], {
      defaultJwksUrl: unreachable,
      now: during,
    });
    expect(byUrl.exitCode).toBe(0);
    const down = await verifyAttestationCommand([jws], { defaultJwksUrl: unreachable, now: during });
    expect(down).toMatchObject({ exitCode: 1, stdout: "" });
    expect(down.stderr).toMatch(/^attestation refused: KEYS_UNAVAILABLE: [^\n]+\n$/);
  });

  it("refuses, with one line on stderr and exit 1, what is altered, foreign or expired", async () => {
    const jws = await attestation();
    const [header, , signature] = jws.split(".");
    const payload = Buffer.from(
      JSON.stringify({
        iss: ATTESTATION_ISSUER,
        sub: "1234567890",
        program: "DIRECT_AID",
        eligible: true,
        iat: 1_893_553_445,
        exp: 1_893_639_845,
      }),
    ).toString("base64url");
    const verify = (token: string, now = during) =>
      verifyAttestationCommand([token, "--jwks", jwksFile], { defaultJwksUrl: unreachable, now });
    const cases: [Promise<{ exitCode: number; stdout: string; stderr: string }>, string][] = [
      [verify(`${header}.${payload}.${signature}`), "BAD_SIGNATURE"],
      [verify(await attestation((await generateSigningKey()).key)), "UNKNOWN_KEY"],
      [verify(jws, new Date("2030-01-04T00:00:00Z")), "EXPIRED"],
      [verify("abc.def"), "MALFORMED"],
    ];
    for (const [pending, code] of cases) {
      const result = await pending;
      expect(result).toMatchObject({ exitCode: 1, stdout: "" });
      expect(result.stderr).toMatch(new RegExp(`^attestation refused: ${code}: [^\\n]+\\n$`));
    }
  });

  it("exits 2 on wrong usage", async () => {
    const jws = await attestation();
    const usage = [[], [jws, jws], [jws, "--nope"], [jws, "--jwks", path.join(dir, "missing.json")]];
    const notAKeySet = path.join(dir, "not-a-jwks.json");
    writeFileSync(notAKeySet, "[]");
    usage.push([jws, "--jwks", notAKeySet]);
    for (const args of usage) {
      const result = await verifyAttestationCommand(args, { defaultJwksUrl: unreachable });
      expect(result).toMatchObject({ exitCode: 2, stdout: "" });
      expect(result.stderr).toContain("Usage: npm run -s attestation:verify");
    }
  });
});
