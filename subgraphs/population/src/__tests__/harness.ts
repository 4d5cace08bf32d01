import type { Caller } from "@spx/runtime/caller";
import { postGraphQL } from "@spx/runtime/graphql-client";
import { listen, type RunningServer } from "@spx/runtime/http-server";
import { signInternalToken } from "@spx/runtime/internal-token";
import { generateSigningKey, localKeySet, type SigningKey } from "@spx/runtime/keys";
import { createLogger } from "@spx/runtime/logger";
import { createTestDatabase, type TestDatabase } from "@spx/runtime/test-database";
import { createPopulationApp, MIGRATIONS_DIR, type PopulationApp, SUBGRAPH_NAME } from "../app.js";

export const registrar: Caller = { sub: "test:anr", agency: "ANR", role: "SYSTEM" };
export const analyst: Caller = { sub: "test:msps", agency: "MSPS", role: "ANALYST" };

export interface Harness {
  app: PopulationApp;
  server: RunningServer;
  key: SigningKey;
  db: TestDatabase;
  /** Calls the subgraph as the gateway would, on behalf of `caller`. */
  call<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): ReturnType<typeof postGraphQL<Data>>;
  stop(): Promise<void>;
}

/** A population subgraph on its own migrated test database, listening on a free port. */
export async function startPopulation(label: string): Promise<Harness> {
  const db = await createTestDatabase(label, MIGRATIONS_DIR);
  const { key } = await generateSigningKey();
  let app: PopulationApp | undefined;
  let server: RunningServer | undefined;
  try {
    app = await createPopulationApp({
      database: db.database,
      dataDir: "",
      gatewayKeys: localKeySet([key]),
      logger: createLogger(SUBGRAPH_NAME, "silent"),
      demoSeed: false,
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
    ...running,
    key,
    db,
    call: async (query, variables, caller = registrar) => {
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
