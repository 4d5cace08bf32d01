import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAuthenticator } from "@spx/gateway/authenticate";
import { createGateway } from "@spx/gateway/gateway";
import { loadSupergraph } from "@spx/gateway/supergraph";
import { gatewayTokenSigner } from "@spx/gateway/token-secret";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { postGraphQL } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { type AppOf, createSubgraph } from "@spx/runtime/subgraph";
import {
  generateSigningKey,
  localKeySet,
  mintToken,
  type SigningKey,
  TokenKeyring,
  tokenKeyEntry,
} from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { AUDIENCE, ISSUER, SUPERGRAPH } from "./testkit/start-system.js";

const QUERY = "{ persons(first: 1) { edges { node { idcs } } } }";
const anr = { sub: "test:anr-rotation", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" } as const;
const logger = createLogger("test", "silent");

interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) {
    await step();
  }
});

/** A gateway keyed by the secret in `secretFile` (GATEWAY_TOKEN_SECRET_FILE), in front of the population register. */
async function startGateway(issuerKey: SigningKey, secretFile: string, populationUrl: string): Promise<RunningGateway> {
  const supergraph = loadSupergraph(SUPERGRAPH);
  const gateway = await createGateway({
    supergraphSdl: supergraph.sdl,
    subgraphs: supergraph.subgraphs,
    subgraphUrls: { population: `${populationUrl}/graphql` },
    authenticate: createAuthenticator(
      { keys: localKeySet([issuerKey]), issuer: ISSUER, audience: AUDIENCE, algorithms: ["EdDSA"] },
      () => {},
    ),
    // As main.ts builds it from the settings.
    tokenSigner: gatewayTokenSigner({ tokenSecret: { file: secretFile }, dataDir: "" }),
    logger,
  });
  const { listen } = await import("@spx/runtime/server");
  const server = await listen(gateway.handler, 0);
  return {
    url: server.url,
    async stop() {
      await server.close();
      await gateway.server.stop();
    },
  };
}

describe("rotating the gateway's token secret", () => {
  let db: TestDatabase;
  let population: AppOf<typeof populationSubgraph>;

  it("registers hold both keys, the gateway switches, the old key is dropped: from a key file, without a restart", async () => {
    const { key: issuerKey } = await generateSigningKey();
    const dir = mkdtempSync(path.join(tmpdir(), "spx-rotation-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const oldSecret = path.join(dir, "old.secret");
    const newSecret = path.join(dir, "new.secret");
    writeFileSync(oldSecret, randomBytes(32).toString("base64url"));
    writeFileSync(newSecret, randomBytes(32).toString("base64url"));
    // What `npm run -s token-key -- population` prints under each secret.
    const entryOf = (file: string) =>
      tokenKeyEntry(gatewayTokenSigner({ tokenSecret: { file }, dataDir: "" }).registerKey("population"));
    const keysFile = path.join(dir, "population.keys");
    writeFileSync(keysFile, entryOf(oldSecret));

    db = await createTestDatabase("rotation", populationSubgraph.migrationsDir);
    cleanup.push(() => db.drop());
    // As main.ts builds it from GATEWAY_TOKEN_KEYS_FILE, with a clock the test moves.
    let now = Date.now();
    population = await createSubgraph(populationSubgraph, {
      database: db.database,
      dataDir: "",
      tokenKeys: TokenKeyring.fromFile(keysFile, { now: () => now }),
      logger,
      demoSeed: false,
    });
    cleanup.push(() => population.close());
    const { seedDemoIfEmpty } = await import("@spx/population/seed/seed-demo");
    await seedDemoIfEmpty(population.prisma, { persons: 2 });
    const { listen } = await import("@spx/runtime/server");
    const populationServer = await listen(population.handler, 0);
    cleanup.push(() => populationServer.close());

    const ask = async (gateway: RunningGateway) =>
      postGraphQL(
        `${gateway.url}/graphql`,
        { query: QUERY },
        { authorization: `Bearer ${await mintToken(issuerKey, anr, { issuer: ISSUER, audience: AUDIENCE })}` },
      );
    const answered = (response: Awaited<ReturnType<typeof ask>>) =>
      response.status === 200 && response.body.errors === undefined ? "answered" : "refused";

    const before = await startGateway(issuerKey, oldSecret, populationServer.url);
    cleanup.push(() => before.stop());
    const first = await ask(before);
    expect(answered(first)).toBe("answered");
    // The gateway's JWKS no longer publishes any key of these tokens: only the attestation and access log keys.
    const jwks = (await (await fetch(`${before.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toEqual([]);

    // 1. The register's secret is updated to hold the new key beside the old one (the mounted file changes).
    writeFileSync(keysFile, `${entryOf(oldSecret)}\n${entryOf(newSecret)}\n`);
    // 2. The gateway switches to the new secret.
    const after = await startGateway(issuerKey, newSecret, populationServer.url);
    cleanup.push(() => after.stop());
    // Within 30 s of the register's last read, the new kid is not known yet: the file is read at most
    // that often, so that made-up kids cost nothing.
    expect(answered(await ask(after))).toBe("refused");
    now += 30_000;
    const second = await ask(after);
    expect(answered(second)).toBe("answered");
    expect(second.body.data).toEqual(first.body.data);
    // Old replicas of the gateway, still rolling out, are accepted as well.
    expect(answered(await ask(before))).toBe("answered");

    // 3. The old key is dropped from the register's secret: refused once read again, still no restart.
    writeFileSync(keysFile, entryOf(newSecret));
    now += 30_000;
    expect(answered(await ask(before))).toBe("refused");
    expect(answered(await ask(after))).toBe("answered");
  });
});
