import type { IncomingMessage } from "node:http";
import type { Caller } from "@spx/runtime/access";
import { generateSigningKey, localKeySet, mintToken } from "@spx/runtime/tokens";
import type { JWTVerifyGetKey } from "jose";
import { createAuthenticator } from "../authenticate.js";

const caller: Caller = { sub: "worker-9", agency: "ANSS", role: "CASE_WORKER", region: "06" };
const options = { issuer: "urn:test", audience: "spx-gateway" };
const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;

/** An authenticator over `key`, and how many times it has had to look a key up (one per verification). */
async function authenticator() {
  const { key } = await generateSigningKey();
  const keySet = localKeySet([key]);
  const lookups = { count: 0 };
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups.count++;
    return keySet(header, token);
  };
  const rejected: string[] = [];
  const authenticate = createAuthenticator({ ...options, keys, algorithms: ["EdDSA"] }, (reason) =>
    rejected.push(reason),
  );
  return { key, authenticate, lookups, rejected };
}

describe("caller tokens", () => {
  it("are verified once and then remembered while they are valid", async () => {
    const { key, authenticate, lookups } = await authenticator();
    const token = await mintToken(key, caller, options);
    for (let i = 0; i < 3; i++) {
      await expect(authenticate(request(token))).resolves.toEqual(caller);
    }
    expect(lookups.count).toBe(1);
    const other = await mintToken(key, { ...caller, sub: "worker-10" }, options);
    await expect(authenticate(request(other))).resolves.toMatchObject({ sub: "worker-10" });
    expect(lookups.count).toBe(2);
  });

  it("are not remembered past their expiry, and an expired token is refused", async () => {
    const { key, authenticate, lookups, rejected } = await authenticator();
    const now = Date.now();
    // Expires in one second; the 30 s clock tolerance still admits it after, but only by a new check.
    const shortLived = await mintToken(key, caller, { ...options, ttlSeconds: 1, now });
    await expect(authenticate(request(shortLived))).resolves.toEqual(caller);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(authenticate(request(shortLived))).resolves.toEqual(caller);
    expect(lookups.count).toBe(2);
    const expired = await mintToken(key, caller, { ...options, ttlSeconds: 60, now: now - 120_000 });
    await expect(authenticate(request(expired))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(rejected).toEqual(["ERR_JWT_EXPIRED"]);
  });

  it("are refused when forged, however often they are sent", async () => {
    const { key, authenticate, rejected } = await authenticator();
    const { key: stranger } = await generateSigningKey();
    const forged = await mintToken({ ...stranger, kid: key.kid }, caller, options);
    for (let i = 0; i < 2; i++) {
      await expect(authenticate(request(forged))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    }
    expect(rejected).toEqual(["ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"]);
  });
});
