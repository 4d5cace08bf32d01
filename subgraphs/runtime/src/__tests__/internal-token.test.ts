import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { jwtVerify, SignJWT } from "jose";
import { callerSchema } from "../access/caller.js";
import {
  documentHash,
  InternalTokenSigner,
  InvalidTokenError,
  signInternalToken,
  verifyInternalToken,
} from "../tokens/internal-token.js";
import { generateSigningKey } from "../tokens/keys.js";
import {
  deriveRegisterKey,
  parseTokenKeys,
  parseTokenSecret,
  TokenKeyring,
  tokenKeyEntry,
  tokenSecretKid,
} from "../tokens/token-keys.js";
import { rejectionReasonOf } from "../tokens/token-rejections.js";
import { CASE_WORKER as caller } from "./case-worker.js";

const QUERY = '{ person(idcs: "1234567890") { idcs } }';
const request = { query: QUERY };

/** What a register refuses a token for, as its metric counts it. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => (error instanceof InvalidTokenError ? rejectionReasonOf(error.reason) : `thrown: ${error}`),
  );

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token as a forger would write it: any header, any claims, a MAC under `key` (or none). */
function minted(header: Record<string, unknown>, claims: Record<string, unknown>, key?: Uint8Array | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${key === undefined ? "" : createHmac("sha256", key).update(input).digest("base64url")}`;
}

function claimsOf(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    agency: "ANR",
    role: "SYSTEM",
    rid: "r",
    qh: documentHash(request),
    iss: "spx-gateway",
    aud: "population",
    sub: "s",
    iat: now,
    exp: now + 10,
    jti: "an-id-of-sixteen-chars",
    ...overrides,
  };
}

describe("gateway-to-register tokens", () => {
  it("carry the caller and the request id to the named register", async () => {
    const gateway = InternalTokenSigner.generate();
    const token = signInternalToken(gateway, "population", { caller, requestId: "req-1", request });
    await expect(verifyInternalToken(token, gateway.keyringFor("population"), "population", request)).resolves.toEqual({
      caller,
      requestId: "req-1",
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      acceptableUntilMs: expect.any(Number),
    });
    const [header] = token.split(".");
    expect(JSON.parse(Buffer.from(header ?? "", "base64url").toString())).toEqual({
      alg: "HS256",
      kid: gateway.kid,
      typ: "spx-internal+jwt",
    });
  });

  it("open only the document and variables they were minted for", async () => {
    const gateway = InternalTokenSigner.generate();
    const keys = gateway.keyringFor("population");
    const token = signInternalToken(gateway, "population", { caller, requestId: "r", request });
    const other = "{ persons(first: 100) { edges { node { phone } } } }";
    await expect(verifyInternalToken(token, keys, "population", { query: other })).rejects.toThrow(
      new InvalidTokenError("document"),
    );
    // The rows `_entities` returns travel in the variables: they are bound too.
    const entities = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }";
    const rows = { r: [{ __typename: "Person", idcs: "1234567890" }] };
    const bound = signInternalToken(gateway, "population", {
      caller,
      requestId: "r",
      request: { query: entities, variables: rows },
    });
    await expect(
      verifyInternalToken(bound, keys, "population", { query: entities, variables: rows }),
    ).resolves.toMatchObject({ caller });
    await expect(
      refusal(
        verifyInternalToken(bound, keys, "population", {
          query: entities,
          variables: { r: [{ __typename: "Person", idcs: "9999999999" }] },
        }),
      ),
    ).resolves.toBe("document");
    await expect(refusal(verifyInternalToken(token, keys, "population", undefined))).resolves.toBe("document");
  });

  it("are for one register: register B, holding only its own key, refuses a token for register A", async () => {
    const gateway = InternalTokenSigner.generate();
    const forPopulation = signInternalToken(gateway, "population", { caller, requestId: "r", request });
    // B's key does not verify A's MAC.
    await expect(
      refusal(verifyInternalToken(forPopulation, gateway.keyringFor("direct-aid"), "direct-aid", request)),
    ).resolves.toBe("signature");
    // Nor does A's key make A accept a token whose audience is another register.
    const forDirectAid = minted(
      { alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" },
      claimsOf({ aud: "direct-aid" }),
      gateway.registerKey("population").key.export(),
    );
    await expect(
      refusal(verifyInternalToken(forDirectAid, gateway.keyringFor("population"), "population", request)),
    ).resolves.toBe("claims");
  });

  it("derive each register's key by HKDF-SHA256 from the master, unrelated to the other registers' and to the master", () => {
    const master = randomBytes(32);
    const population = deriveRegisterKey(master, "population").key.export();
    expect(population).toEqual(
      Buffer.from(hkdfSync("sha256", master, "spx-internal-token", "register:population", 32)),
    );
    expect(population.equals(deriveRegisterKey(master, "direct-aid").key.export())).toBe(false);
    expect(population.equals(master)).toBe(false);
    // The kid names the master without being made of it.
    const kid = tokenSecretKid(master);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(master.toString("base64url")).not.toContain(kid);
    expect(tokenSecretKid(randomBytes(32))).not.toBe(kid);
  });

  it("are refused under a register key derived from another master, even under this master's kid", async () => {
    const gateway = InternalTokenSigner.generate();
    const stranger = InternalTokenSigner.generate();
    const keys = gateway.keyringFor("population");
    const token = signInternalToken(stranger, "population", { caller, requestId: "r", request });
    // Its own kid is unknown here...
    await expect(refusal(verifyInternalToken(token, keys, "population", request))).resolves.toBe("signature");
    // ...and under ours its MAC is wrong.
    const relabelled = minted(
      { alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" },
      claimsOf(),
      stranger.registerKey("population").key.export(),
    );
    await expect(refusal(verifyInternalToken(relabelled, keys, "population", request))).resolves.toBe("signature");
    // The same claims under the right key pass: the refusals above are the key's alone.
    const genuine = minted(
      { alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" },
      claimsOf(),
      gateway.registerKey("population").key.export(),
    );
    await expect(verifyInternalToken(genuine, keys, "population", request)).resolves.toMatchObject({ requestId: "r" });
  });

  it("live 10 s, each with its own random id", async () => {
    const gateway = InternalTokenSigner.generate();
    const before = Date.now();
    const tokens = Array.from({ length: 50 }, () =>
      signInternalToken(gateway, "population", { caller, requestId: "r", request }),
    );
    const payloads = tokens.map((token) => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()));
    expect(new Set(payloads.map((payload) => payload.jti)).size).toBe(50);
    for (const payload of payloads) {
      expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(payload.exp - payload.iat).toBe(10);
    }
    const verified = await verifyInternalToken(
      tokens[0] ?? "",
      gateway.keyringFor("population"),
      "population",
      request,
    );
    // Remembered for as long as it could be presented: exp plus the 5 s clock tolerance.
    expect(verified.acceptableUntilMs).toBe((payloads[0].exp + 5) * 1000);
    expect(verified.acceptableUntilMs - before).toBeLessThanOrEqual(16_000);
  });

  it("are accepted within 5 s of clock skew and refused past it, too long-lived, from the future, or without an id", async () => {
    const gateway = InternalTokenSigner.generate();
    const keys = gateway.keyringFor("population");
    const key = gateway.registerKey("population").key.export();
    const now = Math.floor(Date.now() / 1000);
    const verify = (claims: Record<string, unknown>) =>
      refusal(
        verifyInternalToken(
          minted({ alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" }, claimsOf(claims), key),
          keys,
          "population",
          request,
        ),
      );
    // Expired 3 s ago: within the tolerance (the gateway's clock may run ahead).
    await expect(verify({ iat: now - 13, exp: now - 3 })).resolves.toBe("accepted");
    // Issued 3 s in the future: within the tolerance too.
    await expect(verify({ iat: now + 3, exp: now + 13 })).resolves.toBe("accepted");
    await expect(verify({ iat: now - 16, exp: now - 6 })).resolves.toBe("expired");
    await expect(verify({ iat: now + 7, exp: now + 17 })).resolves.toBe("claims");
    // Under the register's key for longer than 10 s: refused, whatever its exp says.
    await expect(verify({ iat: now, exp: now + 60 })).resolves.toBe("expired");
    await expect(verify({ iat: now - 16, exp: now + 60 })).resolves.toBe("expired");
    await expect(verify({ exp: undefined })).resolves.toBe("expired");
    await expect(verify({ nbf: now + 30 })).resolves.toBe("claims");
    await expect(verify({ jti: undefined })).resolves.toBe("claims");
    await expect(verify({ jti: "short" })).resolves.toBe("claims");
    await expect(verify({ iss: "someone-else" })).resolves.toBe("claims");
  });

  it("are refused when typed as something else (a caller's own JWT)", async () => {
    const gateway = InternalTokenSigner.generate();
    const token = minted(
      { alg: "HS256", kid: gateway.kid, typ: "JWT" },
      claimsOf(),
      gateway.registerKey("population").key.export(),
    );
    await expect(
      refusal(verifyInternalToken(token, gateway.keyringFor("population"), "population", request)),
    ).resolves.toBe("claims");
  });
});

describe("gateway-to-register tokens as JWS", () => {
  it("are standard HS256 JWTs: jose verifies ours with the derived key, and ours verifies jose's", async () => {
    const gateway = InternalTokenSigner.generate();
    const key = new Uint8Array(gateway.registerKey("population").key.export());
    const token = signInternalToken(gateway, "population", { caller, requestId: "r", request });
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: "spx-gateway",
      audience: "population",
      typ: "spx-internal+jwt",
    });
    expect(protectedHeader).toEqual({ alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" });
    expect(payload).toMatchObject({ sub: "worker-17", agency: "ANSS", region: "06", rid: "r" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(10);

    const fromJose = await new SignJWT({
      agency: "ANSS",
      role: "CASE_WORKER",
      region: "06",
      purpose: "CASE_MANAGEMENT",
      rid: "j",
      qh: documentHash(request),
      jti: "a-jose-minted-token-id",
    })
      .setProtectedHeader({ alg: "HS256", kid: gateway.kid, typ: "spx-internal+jwt" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject("worker-17")
      .setIssuedAt()
      .setExpirationTime("10s")
      .sign(key);
    await expect(
      verifyInternalToken(fromJose, gateway.keyringFor("population"), "population", request),
    ).resolves.toEqual({
      caller,
      requestId: "j",
      jti: "a-jose-minted-token-id",
      acceptableUntilMs: expect.any(Number),
    });
  });

  // Under several keys: a forgery must fail whatever bytes the genuine MAC happens to hold.
  it("are refused when altered, unsigned, or under another algorithm (none, EdDSA)", async () => {
    const { key: ed25519 } = await generateSigningKey();
    for (let round = 0; round < 16; round += 1) {
      const gateway = InternalTokenSigner.generate();
      const keys = gateway.keyringFor("population");
      const token = signInternalToken(gateway, "population", { caller, requestId: "r", request });
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      const raised = b64({ ...claims, role: "SYSTEM", agency: "ANR" });
      // The first character carries six bits of the MAC: changing it always changes the bytes.
      const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
      // The last one (of 43) carries four bits and two spare ones: another spelling of the same bytes.
      const last = signature.slice(-1);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const respelled = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
      expect(Buffer.from(respelled, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true);
      const none = b64({ alg: "none", kid: gateway.kid, typ: "spx-internal+jwt" });
      const eddsa = await new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", kid: gateway.kid, typ: "spx-internal+jwt" })
        .sign(ed25519.privateKey);
      // An HS384 MAC under the very key: still not HS256.
      const hs384 = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS384", kid: gateway.kid, typ: "spx-internal+jwt" })
        .sign(new Uint8Array(gateway.registerKey("population").key.export()));
      const expectations: [string, string][] = [
        [`${header}.${raised}.${signature}`, "signature"],
        [`${header}.${payload}.${flipped}`, "signature"],
        [`${header}.${payload}.${respelled}`, "malformed"],
        [`${header}.${payload}.${signature}!`, "malformed"],
        [`${header}.${payload}.${signature}AA`, "malformed"],
        [`${none}.${payload}.`, "signature"],
        [eddsa, "signature"],
        [hs384, "signature"],
        [`${header}.${payload}`, "malformed"],
        ["not.a.token", "malformed"],
      ];
      for (const [forged, reason] of expectations) {
        await expect(refusal(verifyInternalToken(forged, keys, "population", request))).resolves.toBe(reason);
      }
    }
  });
});

describe("token keys", () => {
  it("are printed and read as kid.key entries, comma or newline separated", () => {
    const old = InternalTokenSigner.generate();
    const next = InternalTokenSigner.generate();
    const entries = [old, next].map((signer) => tokenKeyEntry(signer.registerKey("population")));
    const keys = parseTokenKeys(`${entries[0]},\n ${entries[1]}\n`, "GATEWAY_TOKEN_KEYS");
    expect(keys.map((key) => key.kid)).toEqual([old.kid, next.kid]);
    expect(keys[1]?.key.equals(next.registerKey("population").key)).toBe(true);
  });

  it("refuse defects without quoting a key or a secret", () => {
    const entry = tokenKeyEntry(InternalTokenSigner.generate().registerKey("population"));
    const short = randomBytes(16).toString("base64url");
    for (const [text, message] of [
      ["", /no key/],
      [`${entry.slice(0, 17)}${short}`, /entry 1 is not kid.key/],
      [`${entry},nokid`, /entry 2 is not kid.key/],
      [`${entry}.x`, /entry 1 is not kid.key/],
    ] as const) {
      expect(() => parseTokenKeys(text, "GATEWAY_TOKEN_KEYS")).toThrow(message);
      try {
        parseTokenKeys(text, "GATEWAY_TOKEN_KEYS");
      } catch (error) {
        expect((error as Error).message).not.toContain(entry.slice(17));
        expect((error as Error).message).not.toContain(short);
      }
    }
    const secret = randomBytes(31).toString("base64url");
    expect(() => parseTokenSecret(secret, "GATEWAY_TOKEN_SECRET")).toThrow(
      "GATEWAY_TOKEN_SECRET: 31 bytes decoded, at least 32 required",
    );
    expect(() => parseTokenSecret(`${secret}+/=`, "GATEWAY_TOKEN_SECRET")).toThrow(/not base64url/);
    expect(parseTokenSecret(`${randomBytes(32).toString("base64url")}\n`, "GATEWAY_TOKEN_SECRET")).toHaveLength(32);
  });

  it("from a file are read again when a token arrives, at most once per 30 s: a new kid is taken, a dropped one refused", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "token-keys-"));
    try {
      const file = path.join(dir, "keys");
      const old = InternalTokenSigner.generate();
      const next = InternalTokenSigner.generate();
      writeFileSync(file, tokenKeyEntry(old.registerKey("population")));
      let now = 1_000_000;
      const keys = TokenKeyring.fromFile(file, { now: () => now });
      const token = () => signInternalToken(next, "population", { caller, requestId: "r", request });
      // The secret is updated under the running register; within 30 s of the last read, not yet seen.
      writeFileSync(file, [old, next].map((s) => tokenKeyEntry(s.registerKey("population"))).join("\n"));
      await expect(refusal(verifyInternalToken(token(), keys, "population", request))).resolves.toBe("signature");
      now += 30_000;
      await expect(verifyInternalToken(token(), keys, "population", request)).resolves.toMatchObject({ caller });
      expect(keys.kids).toEqual([old.kid, next.kid]);
      // The old key dropped: refused once the file is read again, without a restart either.
      writeFileSync(file, tokenKeyEntry(next.registerKey("population")));
      const fromOld = () => signInternalToken(old, "population", { caller, requestId: "r", request });
      await expect(verifyInternalToken(fromOld(), keys, "population", request)).resolves.toMatchObject({ caller });
      now += 30_000;
      await expect(refusal(verifyInternalToken(fromOld(), keys, "population", request))).resolves.toBe("signature");
      expect(keys.kids).toEqual([next.kid]);
      // A file caught broken leaves the keys as they were.
      writeFileSync(file, "garbage");
      now += 60_000;
      expect(keys.key("unknown-kid-0000")).toBeUndefined();
      expect(keys.kids).toEqual([next.kid]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("caller claims", () => {
  it.each([
    [{ sub: "a", role: "CASE_WORKER", agency: "ANSS" }, "region"],
    [{ sub: "a", role: "CITIZEN" }, "idcs"],
    [{ sub: "a", role: "SYSTEM" }, "agency"],
    [{ sub: "a", role: "SYSTEM", agency: "nsa" }, "agency"],
    [{ sub: "a", role: "ROOT", agency: "ANR" }, "role"],
    [{ sub: "a", role: "CASE_WORKER", agency: "ANSS", region: "13" }, "region"],
  ])("refuses %j (%s)", (claims, path) => {
    const result = callerSchema.safeParse(claims);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(path);
  });

  it("refuses a well-formed agency the catalogue does not list, even under the register's key", async () => {
    const gateway = InternalTokenSigner.generate();
    const stranger = { sub: "a", agency: "NSA", role: "SYSTEM" } as const;
    const token = signInternalToken(gateway, "population", { caller: stranger, requestId: "r", request });
    await expect(verifyInternalToken(token, gateway.keyringFor("population"), "population", request)).rejects.toThrow(
      new InvalidTokenError("claims"),
    );
  });
});
