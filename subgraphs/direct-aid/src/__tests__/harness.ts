import type { Caller } from "@spx/runtime/caller";
import type { GraphClient } from "@spx/runtime/graph-client";
import { postGraphQL } from "@spx/runtime/graphql-client";
import { listen, type RunningServer } from "@spx/runtime/http-server";
import { signInternalToken } from "@spx/runtime/internal-token";
import { generateSigningKey, localKeySet } from "@spx/runtime/keys";
import { createLogger } from "@spx/runtime/logger";
import { createTestDatabase, type TestDatabase } from "@spx/runtime/test-database";
import { createDirectAidApp, type DirectAidApp, MIGRATIONS_DIR, SUBGRAPH_NAME } from "../app.js";
import type { AidHouseholdFacts } from "../domain/household-facts.js";

export const anss: Caller = { sub: "test:anss", agency: "ANSS", role: "SYSTEM" };

export interface Harness {
  app: DirectAidApp;
  db: TestDatabase;
  /** What the fake social register answers, by household id. */
  households: Map<string, AidHouseholdFacts>;
  /** Calls the subgraph as the gateway would, on behalf of `caller`. */
  call<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): ReturnType<typeof postGraphQL<Data>>;
  stop(): Promise<void>;
}

/**
 * A direct-aid subgraph on its own migrated test database, listening on a free port, whose graph
 * is a fake social register answering `households(ids:)` from `households`.
 */
export async function startDirectAid(label: string): Promise<Harness> {
  const db = await createTestDatabase(label, MIGRATIONS_DIR);
  const { key } = await generateSigningKey();
  const households = new Map<string, AidHouseholdFacts>();
  const graph: GraphClient = {
    query: async <Data>(_document: string, variables?: Record<string, unknown>) => {
      const ids = (variables?.ids ?? []) as string[];
      return { households: ids.map((id) => households.get(id) ?? null) } as unknown as Data;
    },
  };
  let app: DirectAidApp | undefined;
  let server: RunningServer | undefined;
  try {
    app = await createDirectAidApp({
      database: db.database,
      dataDir: "",
      gatewayKeys: localKeySet([key]),
      logger: createLogger(SUBGRAPH_NAME, "silent"),
      demoSeed: false,
      graph,
    });
    server = await listen(app.handler, 0);
  } catch (error) {
    await app?.close();
    await db.drop();
    throw error;
  }
  const url = `${server.url}/graphql`;
  const running = { app, server };
  return {
    app,
    db,
    households,
    call: async (query, variables, caller = anss) => {
      const token = await signInternalToken(key, SUBGRAPH_NAME, { caller, requestId: "test" });
      return postGraphQL(url, { query, ...(variables ? { variables } : {}) }, { authorization: `Bearer ${token}` });
    },
    async stop() {
      await running.server.close();
      await running.app.close();
      await db.drop();
    },
  };
}
