import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { Redis } from "ioredis";
import { postGraphQL } from "../clients/graphql-client.js";
import { createLogger } from "../logging/logger.js";
import { listen } from "../server/http-server.js";
import { createSubgraphHttp } from "../server/subgraph-server.js";
import { InternalTokenSigner, signInternalToken } from "../tokens/internal-token.js";
import { MemoryReplayGuard, RedisReplayGuard, type ReplayGuard } from "../tokens/replay-guard.js";

const QUERY = "{ ok }";
const caller = { sub: "t", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" } as const;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString, resolve: () => "yes" } } }),
});

async function subgraph(replayGuard: ReplayGuard) {
  const key = InternalTokenSigner.generate();
  const { server, handler } = createSubgraphHttp({
    name: "population",
    schema,
    tokenKeys: key.keyringFor("population"),
    logger: createLogger("population", "silent"),
    extendContext: (base) => base,
    ready: async () => true,
    replayGuard,
  });
  await server.start();
  const running = await listen(handler, 0);
  return {
    readyz: async () => (await fetch(`${running.url}/readyz`)).status,
    call: async () => {
      const token = await signInternalToken(key, "population", { caller, requestId: "r", request: { query: QUERY } });
      return postGraphQL(`${running.url}/graphql`, { query: QUERY }, { authorization: `Bearer ${token}` });
    },
    async stop() {
      await running.close();
      await server.stop();
    },
  };
}

describe("a subgraph whose replay guard cannot decide", () => {
  it("answers 503 REPLAY_GUARD_UNAVAILABLE when Redis is down", async () => {
    const redis = new Redis("redis://127.0.0.1:1", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      disconnectTimeout: 10,
      retryStrategy: () => null,
    });
    redis.on("error", () => {});
    const running = await subgraph(new RedisReplayGuard({ redis, subgraph: "population" }));
    try {
      const refused = await running.call();
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("REPLAY_GUARD_UNAVAILABLE");
      expect(refused.body.data ?? null).toBeNull();
      // Not ready either: a load balancer sends nothing to a replica that would refuse everything.
      expect(await running.readyz()).toBe(503);
    } finally {
      await running.stop();
      redis.disconnect();
    }
  });

  it("is ready again, and serves, once Redis answers", async () => {
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 0 });
    redis.on("error", () => {});
    const running = await subgraph(new RedisReplayGuard({ redis, subgraph: `population-${process.pid}` }));
    try {
      expect(await running.readyz()).toBe(200);
      expect((await running.call()).body.data).toEqual({ ok: "yes" });
    } finally {
      await running.stop();
      redis.disconnect();
    }
  });

  it("answers 503 REPLAY_GUARD_UNAVAILABLE when full, rather than forget a live token", async () => {
    const running = await subgraph(new MemoryReplayGuard({ maxEntries: 1 }));
    try {
      expect((await running.call()).body.data).toEqual({ ok: "yes" });
      const refused = await running.call();
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("REPLAY_GUARD_UNAVAILABLE");
    } finally {
      await running.stop();
    }
  });
});
