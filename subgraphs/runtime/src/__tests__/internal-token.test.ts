import { jwtVerify, SignJWT } from "jose";
import { callerSchema } from "../access/caller.js";
import { InvalidTokenError, signInternalToken, verifyInternalToken } from "../tokens/internal-token.js";
import { generateSigningKey, localKeySet } from "../tokens/keys.js";
import { CASE_WORKER as caller } from "./case-worker.js";

const QUERY = '{ person(idcs: "1234567890") { idcs } }';

describe("gateway-to-subgraph tokens", () => {
  it("carry the caller and the request id to the named subgraph", async () => {
    const { key } = await generateSigningKey();
    const token = await signInternalToken(key, "population", { caller, requestId: "req-1", request: { query: QUERY } });
    await expect(verifyInternalToken(token, localKeySet([key]), "population", { query: QUERY })).resolves.toEqual({
      caller,
      requestId: "req-1",
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      acceptableUntilMs: expect.any(Number),
    });
  });

  it("open only the document they were minted for: a captured token cannot carry another query", async () => {
    const { key } = await generateSigningKey();
    const token = await signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } });
    const other = "{ persons(first: 100) { edges { node { phone } } } }";
    await expect(verifyInternalToken(token, localKeySet([key]), "population", { query: other })).rejects.toThrow(
      new InvalidTokenError("document"),
    );
    // The rows `_entities` returns travel in the variables: they are bound too.
    const entities = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }";
    const rows = { r: [{ __typename: "Person", idcs: "1234567890" }] };
    const bound = await signInternalToken(key, "population", {
      caller,
      requestId: "r",
      request: { query: entities, variables: rows },
    });
    await expect(
      verifyInternalToken(bound, localKeySet([key]), "population", { query: entities, variables: rows }),
    ).resolves.toMatchObject({ caller });
    await expect(
      verifyInternalToken(bound, localKeySet([key]), "population", {
        query: entities,
        variables: { r: [{ __typename: "Person", idcs: "9999999999" }] },
      }),
    ).rejects.toThrow(new InvalidTokenError("document"));
    await expect(verifyInternalToken(token, localKeySet([key]), "population", undefined)).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it("are refused by another subgraph, under another key, or once expired", async () => {
    const { key } = await generateSigningKey();
    const { key: other } = await generateSigningKey();
    const token = await signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } });
    await expect(verifyInternalToken(token, localKeySet([key]), "direct-aid", { query: QUERY })).rejects.toThrow(
      InvalidTokenError,
    );
    await expect(verifyInternalToken(token, localKeySet([other]), "population", { query: QUERY })).rejects.toThrow(
      InvalidTokenError,
    );
    const stale = await new SignJWT({ role: "SYSTEM", agency: "ANR", rid: "r" })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "spx-internal+jwt" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject("s")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(key.privateKey);
    await expect(verifyInternalToken(stale, localKeySet([key]), "population", { query: QUERY })).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it("live 10 s, each with its own random id", async () => {
    const { key } = await generateSigningKey();
    const before = Date.now();
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () =>
        signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } }),
      ),
    );
    const payloads = tokens.map((token) => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()));
    expect(new Set(payloads.map((payload) => payload.jti)).size).toBe(50);
    for (const payload of payloads) {
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(payload.exp - payload.iat).toBe(10);
    }
    const verified = await verifyInternalToken(tokens[0] ?? "", localKeySet([key]), "population", { query: QUERY });
    // Remembered for as long as it could be presented: exp plus the 5 s clock tolerance.
    expect(verified.acceptableUntilMs).toBe((payloads[0].exp + 5) * 1000);
    expect(verified.acceptableUntilMs - before).toBeLessThanOrEqual(16_000);
  });

  const signed = (key: Awaited<ReturnType<typeof generateSigningKey>>["key"], claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ agency: "ANR", role: "SYSTEM", rid: "r", jti: "an-id-of-sixteen-chars", ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "spx-internal+jwt" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject("s")
      .setIssuedAt(typeof claims.iat === "number" ? claims.iat : now)
      .setExpirationTime(typeof claims.exp === "number" ? claims.exp : now + 10)
      .sign(key.privateKey);
  };

  it("are accepted within 5 s of clock skew and refused past it, or older than 10 s + 5 s, or without an id", async () => {
    const { key } = await generateSigningKey();
    const { documentHash } = await import("../tokens/internal-token.js");
    const qh = documentHash({ query: QUERY });
    const keys = localKeySet([key]);
    const now = Math.floor(Date.now() / 1000);
    const verify = (claims: Record<string, unknown>) =>
      signed(key, { qh, ...claims }).then((token) => verifyInternalToken(token, keys, "population", { query: QUERY }));
    // Expired 3 s ago: within the tolerance (the gateway's clock may run ahead).
    await expect(verify({ iat: now - 13, exp: now - 3 })).resolves.toMatchObject({ requestId: "r" });
    // Issued 3 s in the future: within the tolerance too.
    await expect(verify({ iat: now + 3, exp: now + 13 })).resolves.toMatchObject({ requestId: "r" });
    await expect(verify({ iat: now - 16, exp: now - 6 })).rejects.toThrow(new InvalidTokenError("ERR_JWT_EXPIRED"));
    await expect(verify({ iat: now + 7, exp: now + 17 })).rejects.toThrow(InvalidTokenError);
    // Signed by the gateway's key for longer than 10 s: refused, whatever its exp says.
    await expect(verify({ iat: now, exp: now + 60 })).rejects.toThrow(new InvalidTokenError("ERR_JWT_EXPIRED"));
    await expect(verify({ iat: now - 16, exp: now + 60 })).rejects.toThrow(new InvalidTokenError("ERR_JWT_EXPIRED"));
    await expect(verify({ jti: undefined })).rejects.toThrow(InvalidTokenError);
    await expect(verify({ jti: "short" })).rejects.toThrow(InvalidTokenError);
  });

  it("are refused when typed as something else (a caller's own JWT)", async () => {
    const { key } = await generateSigningKey();
    const userToken = await new SignJWT({ role: "SYSTEM", agency: "ANR" })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject("s")
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(key.privateKey);
    await expect(verifyInternalToken(userToken, localKeySet([key]), "population", { query: QUERY })).rejects.toThrow(
      InvalidTokenError,
    );
  });
});

describe("gateway-to-subgraph tokens as JWS", () => {
  it("are standard EdDSA JWTs: jose verifies ours, and ours verifies jose's", async () => {
    const { key } = await generateSigningKey();
    const token = await signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } });
    const { payload, protectedHeader } = await jwtVerify(token, localKeySet([key]), {
      algorithms: ["EdDSA"],
      issuer: "spx-gateway",
      audience: "population",
      typ: "spx-internal+jwt",
    });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: key.kid });
    expect(payload).toMatchObject({ sub: "worker-17", agency: "ANSS", region: "06", rid: "r" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(10);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const { documentHash } = await import("../tokens/internal-token.js");
    const fromJose = await new SignJWT({
      agency: "ANSS",
      role: "CASE_WORKER",
      region: "06",
      purpose: "CASE_MANAGEMENT",
      rid: "j",
      qh: documentHash({ query: QUERY }),
      jti: "a-jose-minted-token-id",
    })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "spx-internal+jwt" })
      .setIssuer("spx-gateway")
      .setAudience("population")
      .setSubject("worker-17")
      .setIssuedAt()
      .setExpirationTime("10s")
      .sign(key.privateKey);
    await expect(verifyInternalToken(fromJose, localKeySet([key]), "population", { query: QUERY })).resolves.toEqual({
      caller,
      requestId: "j",
      jti: "a-jose-minted-token-id",
      acceptableUntilMs: expect.any(Number),
    });
  });

  // Under several keys: a forgery must fail whatever bytes the genuine signature happens to hold.
  it("are refused when altered, unsigned or signed with another algorithm", async () => {
    for (let round = 0; round < 16; round += 1) {
      const { key } = await generateSigningKey();
      const keys = localKeySet([key]);
      const token = await signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } });
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      const raised = Buffer.from(JSON.stringify({ ...claims, role: "SYSTEM", agency: "ANR" })).toString("base64url");
      // The first character carries six bits of the signature: changing it always changes the bytes.
      const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
      // The last one carries two bits and four spare ones: another spelling of the same bytes.
      const last = signature.slice(-1);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const respelled = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
      expect(Buffer.from(respelled, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true);
      const none = Buffer.from(JSON.stringify({ alg: "none", typ: "spx-internal+jwt" })).toString("base64url");
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "spx-internal+jwt" })
        .sign(new TextEncoder().encode("a shared secret of thirty-two bytes!"));
      for (const forged of [
        `${header}.${raised}.${signature}`,
        `${header}.${payload}.${flipped}`,
        `${header}.${payload}.${respelled}`,
        `${header}.${payload}.${signature}!`,
        `${none}.${payload}.`,
        `${header}.${payload}`,
        hs,
        "not.a.token",
      ]) {
        await expect(verifyInternalToken(forged, keys, "population", { query: QUERY })).rejects.toThrow(
          InvalidTokenError,
        );
      }
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

  it("refuses a well-formed agency the catalogue does not list, even under the gateway's key", async () => {
    const { key } = await generateSigningKey();
    const stranger = { sub: "a", agency: "NSA", role: "SYSTEM" } as const;
    const token = await signInternalToken(key, "population", {
      caller: stranger,
      requestId: "r",
      request: { query: QUERY },
    });
    await expect(verifyInternalToken(token, localKeySet([key]), "population", { query: QUERY })).rejects.toThrow(
      new InvalidTokenError("claims"),
    );
  });
});
