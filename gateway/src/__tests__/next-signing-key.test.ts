import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EnvError } from "@spx/runtime/config";
import { generateSigningKey } from "@spx/runtime/tokens";
import { loadEnv } from "../env.js";
import { nextSigningPublicKeys } from "../keys.js";

describe("the gateway's next signing key", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "spx-next-key-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is published by its public part only, from GATEWAY_NEXT_SIGNING_KEY or a file", async () => {
    const { key: current } = await generateSigningKey();
    const { key: next, privateJwk } = await generateSigningKey();
    const file = path.join(dir, "next.jwk");
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
    for (const env of [
      loadEnv({ GATEWAY_NEXT_SIGNING_KEY: JSON.stringify(privateJwk) }),
      loadEnv({ GATEWAY_NEXT_SIGNING_KEY_FILE: file }),
    ]) {
      const published = await nextSigningPublicKeys(env, current);
      expect(published).toEqual([next.publicJwk]);
      expect(published[0]?.d).toBeUndefined();
    }
    expect(await nextSigningPublicKeys(loadEnv({ GATEWAY_NEXT_SIGNING_KEY: "" }), current)).toEqual([]);
  });

  it("is refused at start when both are set, when it is the current key, or not a private Ed25519 JWK", async () => {
    const { key: current, privateJwk: currentJwk } = await generateSigningKey();
    const { privateJwk } = await generateSigningKey();
    expect(() =>
      loadEnv({ GATEWAY_NEXT_SIGNING_KEY: JSON.stringify(privateJwk), GATEWAY_NEXT_SIGNING_KEY_FILE: "/x" }),
    ).toThrow(EnvError);
    await expect(
      nextSigningPublicKeys(loadEnv({ GATEWAY_NEXT_SIGNING_KEY: JSON.stringify(currentJwk) }), current),
    ).rejects.toThrow(/same key/);
    const { d: _secret, ...publicOnly } = privateJwk;
    for (const bad of [JSON.stringify(publicOnly), "{not json", JSON.stringify({ kty: "oct", k: "c2VjcmV0" })]) {
      const refusal = await nextSigningPublicKeys(loadEnv({ GATEWAY_NEXT_SIGNING_KEY: bad }), current).catch(
        (error: Error) => error,
      );
      expect(refusal).toBeInstanceOf(Error);
      // The message never quotes what it was given: it may be a secret.
      expect((refusal as Error).message).not.toContain(bad);
    }
  });
});
