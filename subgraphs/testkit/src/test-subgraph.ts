import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { postGraphQL } from "@spx/runtime/clients";
import { createLogger } from "@spx/runtime/logging";
import { listen, type RunningServer } from "@spx/runtime/server";
import {
  type AnySubgraph,
  type AppOf,
  createSubgraph,
  type OptionsOf,
  type SubgraphAppOptions,
} from "@spx/runtime/subgraph";
import { InternalTokenSigner, signInternalToken } from "@spx/runtime/tokens";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

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
 * with tokens under a gateway secret made for the test. Everything started is stopped by `stop()`,
 * also when start-up fails half-way.
 */
export async function startTestSubgraph<D extends AnySubgraph>(
  definition: D,
  options: {
    label: string;
    defaultCaller: Caller;
    /** What `main.ts` would derive from the settings (the graph client, keys). */
    options: OptionsOf<D>;
    /** Its events' transport and pace (NATS or the graph feed; `eventsInBackground: false` for `drain()` only). */
    events?: Pick<SubgraphAppOptions, "nats" | "eventsPollIntervalMs" | "eventsRelayIntervalMs" | "eventsInBackground">;
  },
): Promise<TestSubgraph<AppOf<D>>> {
  type App = AppOf<D>;
  const { name } = definition;
  const db = await createTestDatabase(options.label, definition.migrationsDir);
  const key = InternalTokenSigner.generate();
  let app: App | undefined;
  let server: RunningServer | undefined;
  try {
    // The declaration's own types were checked where it was declared; here it is any register.
    app = (await createSubgraph(definition, {
      ...(options.options as object),
      database: db.database,
      dataDir: "",
      tokenKeys: key.keyringFor(name),
      logger: createLogger(name, "silent"),
      demoSeed: false,
      ...options.events,
    })) as App;
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
      const token = signInternalToken(key, name, {
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

/**
 * Calls the subgraph and counts the SQL statements the call cost, failing on any GraphQL error:
 * tests compare the counts of a short and a long list to prove that a field is batched.
 */
export async function countedCall<Data>(
  subgraph: Pick<TestSubgraph<unknown>, "call" | "db">,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ statements: number; data: Data | null | undefined }> {
  subgraph.db.database.statements.count = 0;
  const { body } = await subgraph.call<Data>(query, variables);
  if (body.errors) {
    throw new Error(`The call failed: ${JSON.stringify(body.errors)}`);
  }
  return { statements: subgraph.db.database.statements.count, data: body.data };
}
