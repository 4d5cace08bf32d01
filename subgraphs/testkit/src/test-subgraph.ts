import type { IncomingMessage, ServerResponse } from "node:http";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import type { Database } from "@spx/runtime/database";
import { createLogger, type Logger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import { generateSigningKey, localKeySet, signInternalToken } from "@spx/runtime/tokens";
import type { JWTVerifyGetKey } from "jose";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** What every subgraph's app factory takes, as tests give it. */
export interface TestAppOptions {
  database: Database;
  dataDir: string;
  gatewayKeys: JWTVerifyGetKey;
  logger: Logger;
  demoSeed: false;
}

export interface TestSubgraph<App> {
  app: App;
  server: RunningServer;
  db: TestDatabase;
  /** Calls the subgraph as the gateway would, on behalf of `caller`. */
  call<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): ReturnType<typeof postGraphQL<Data>>;
  stop(): Promise<void>;
}

/**
 * Test support: one subgraph on its own migrated test database, listening on a free port, called
 * with tokens signed by a gateway key made for the test. Everything started is stopped by `stop()`,
 * also when start-up fails half-way.
 */
export async function startTestSubgraph<
  App extends { handler: (req: IncomingMessage, res: ServerResponse) => void; close(): Promise<void> },
>(options: {
  label: string;
  name: string;
  migrationsDir: string;
  defaultCaller: Caller;
  create(options: TestAppOptions): Promise<App>;
}): Promise<TestSubgraph<App>> {
  const db = await createTestDatabase(options.label, options.migrationsDir);
  const { key } = await generateSigningKey();
  let app: App | undefined;
  let server: RunningServer | undefined;
  try {
    app = await options.create({
      database: db.database,
      dataDir: "",
      gatewayKeys: localKeySet([key]),
      logger: createLogger(options.name, "silent"),
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
    db,
    call: async (query, variables, caller = options.defaultCaller) => {
      const token = await signInternalToken(key, options.name, {
        // Every request states a purpose; tests that are not about purposes take the grant's first.
        caller: { ...caller, purpose: caller.purpose ?? defaultPurpose(caller) },
        requestId: "test",
        request: { query, variables },
      });
      return postGraphQL(url, { query, ...(variables ? { variables } : {}) }, { authorization: `Bearer ${token}` });
    },
    async stop() {
      await running.server.close();
      await running.app.close();
      await db.drop();
    },
  };
}
