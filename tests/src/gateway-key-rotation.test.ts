import { createServer, type Server } from "node:http";
import { createAuthenticator } from "@spx/gateway/authenticate";
import { createGateway } from "@spx/gateway/gateway";
import { nextSigningPublicKeys } from "@spx/gateway/keys";
import { loadSupergraph } from "@spx/gateway/supergraph";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { postGraphQL } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { type AppOf, createSubgraph } from "@spx/runtime/subgraph";
import {
  gatewayKeySource,
  generateSigningKey,
  localKeySet,
  mintToken,
  type SigningKey,
  signInternalToken,
} from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import type { JWK } from "jose";
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

/**
 * A gateway signing with `current` and publishing `next` as main.ts does (from
 * GATEWAY_NEXT_SIGNING_KEY), in front of the population register at `populationUrl`.
 */
async function startGateway(
  issuerKey: SigningKey,
  current: SigningKey,
  next: JWK,
  populationUrl: string,
): Promise<RunningGateway> {
  const supergraph = loadSupergraph(SUPERGRAPH);
  const gateway = await createGateway({
    supergraphSdl: supergraph.sdl,
    subgraphs: supergraph.subgraphs,
    subgraphUrls: { population: `${populationUrl}/graphql` },
    authenticate: createAuthenticator(
      { keys: localKeySet([issuerKey]), issuer: ISSUER, audience: AUDIENCE, algorithms: ["EdDSA"] },
      () => {},
    ),
    signingKey: current,
    logger,
    publishedKeys: await nextSigningPublicKeys({ nextSigningKey: { json: JSON.stringify(next) } }, current),
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

/** The one URL subgraphs know (GATEWAY_JWKS_URL), served by whichever gateway is deployed. */
function jwksFront(current: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    fetch(`${current()}${req.url ?? ""}`).then(
      async (response) => {
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(await response.text());
      },
      () => res.destroy(),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, server });
    }),
  );
}

describe("rotating the gateway's signing key", () => {
  let db: TestDatabase;
  let population: AppOf<typeof populationSubgraph>;

  it("is accepted by a subgraph on the gateway's JWKS as soon as the next key signs, without a restart", async () => {
    const { key: issuerKey } = await generateSigningKey();
    const k1 = await generateSigningKey();
    const k2 = await generateSigningKey();
    const k3 = await generateSigningKey();
    let deployed = "";
    const front = await jwksFront(() => deployed);
    cleanup.push(() => new Promise((resolve) => front.server.close(() => resolve())));
    db = await createTestDatabase("rotation", populationSubgraph.migrationsDir);
    cleanup.push(() => db.drop());
    // As main.ts builds it from GATEWAY_JWKS_URL: jose's remote key set.
    const gatewayKeys = await gatewayKeySource({ gatewayJwksUrl: `${front.url}/.well-known/jwks.json`, dataDir: "" });
    population = await createSubgraph(populationSubgraph, {
      database: db.database,
      dataDir: "",
      gatewayKeys,
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
        {
          authorization: `Bearer ${await mintToken(issuerKey, anr, { issuer: ISSUER, audience: AUDIENCE })}`,
        },
      );

    // Before: k1 signs, k2 is published as the next key; the subgraph fetches both.
    const before = await startGateway(issuerKey, k1.key, k2.privateJwk, populationServer.url);
    deployed = before.url;
    const jwks = (await (await fetch(`${before.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([k1.key.kid, k2.key.kid]));
    // Only the public part of the next key is published.
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
    const first = await ask(before);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    await before.stop();

    // The rotation: k2 signs (k3 is next). The subgraph, never restarted, accepts k2's tokens at
    // once: it had k2 from the JWKS already, so no refetch (and no cooldown) stands in the way.
    const after = await startGateway(issuerKey, k2.key, k3.privateJwk, populationServer.url);
    deployed = after.url;
    cleanup.push(() => after.stop());
    const second = await ask(after);
    expect(second.status).toBe(200);
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data).toEqual(first.body.data);

    // Why the next key is published ahead: a key the subgraph has not fetched (k3, published only
    // now) is refused until jose may refetch, at most once per 30 s cooldown after its last fetch.
    const unseen = await signInternalToken(k3.key, "population", {
      caller: anr,
      requestId: "unseen",
      request: { query: QUERY },
    });
    const refused = await postGraphQL(
      `${populationServer.url}/graphql`,
      { query: QUERY },
      { authorization: `Bearer ${unseen}` },
    );
    expect(refused.status).toBe(401);
  });
});
