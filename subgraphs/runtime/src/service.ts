import path from "node:path";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { UNAUTHENTICATED_MODES, type UnauthenticatedMode } from "./access-bench.js";
import type { Caller } from "./caller.js";
import { DEFAULT_AUDIENCE, DEV_ISSUER, serviceTokenSource } from "./caller-token.js";
import { type Database, openDatabase } from "./database.js";
import {
  type DatabaseTimeouts,
  databaseTimeoutsEnv,
  databaseTimeoutsOf,
  timeoutsAreOrdered,
} from "./database-timeouts.js";
import { logLevel, optionalUrl, parseEnv, port } from "./env.js";
import { createGraphClient, DEFAULT_GRAPH_TIMEOUT_MS, type GraphClient } from "./graph-client.js";
import { loadOrCreateSigningKey, localKeySet } from "./keys.js";
import type { Logger } from "./logger.js";
import { applyMigrations } from "./migrations.js";

/** Where development keys live under DATA_DIR; the gateway and the subgraphs agree on it. */
export const devKeyFiles = (dataDir: string) => ({
  issuer: path.join(dataDir, "keys", "dev-issuer.jwk"),
  gateway: path.join(dataDir, "keys", "gateway.jwk"),
  attestation: path.join(dataDir, "keys", "attestation.jwk"),
});

/** The settings every subgraph reads, named after its prefix (e.g. POPULATION_PORT), read once. */
export function subgraphEnv(prefix: string, defaultPort: number, source?: Record<string, string | undefined>) {
  const raw = parseEnv(
    z
      .object({
        NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
        [`${prefix}_PORT`]: port(defaultPort),
        [`${prefix}_DATABASE_URL`]: optionalUrl,
        HOST: z.string().default("127.0.0.1"),
        DATA_DIR: z.string().default("./.data"),
        LOG_LEVEL: logLevel,
        GATEWAY_JWKS_URL: optionalUrl,
        REDIS_URL: z.preprocess(
          (value) => (value === "" ? undefined : value),
          z
            .string()
            .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
            .optional(),
        ),
        DEMO_SEED: z.enum(["true", "false"]).default("true"),
        GATEWAY_URL: z.string().url().default("http://127.0.0.1:4000/graphql"),
        JWT_ISSUER: z.string().min(1).default(DEV_ISSUER),
        JWT_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
        SUBGRAPH_UNAUTHENTICATED: z.enum(UNAUTHENTICATED_MODES).default("refuse"),
        STATISTICS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
        GRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(DEFAULT_GRAPH_TIMEOUT_MS),
        ...databaseTimeoutsEnv,
      })
      .refine(timeoutsAreOrdered, {
        path: ["DATABASE_QUERY_TIMEOUT_MS"],
        message: "must be longer than DATABASE_STATEMENT_TIMEOUT_MS",
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.SUBGRAPH_UNAUTHENTICATED === "bench"), {
        path: ["SUBGRAPH_UNAUTHENTICATED"],
        message: "bench is for benchmarks and is refused in production",
      }),
    source,
  );
  return {
    port: (raw as Record<string, unknown>)[`${prefix}_PORT`] as number,
    databaseUrl: (raw as Record<string, unknown>)[`${prefix}_DATABASE_URL`] as string | undefined,
    host: raw.HOST as string,
    dataDir: path.resolve(raw.DATA_DIR as string),
    logLevel: raw.LOG_LEVEL as string,
    gatewayJwksUrl: raw.GATEWAY_JWKS_URL as string | undefined,
    /** Redis shared by the subgraph's replicas, so that each gateway token is accepted once by all. */
    redisUrl: raw.REDIS_URL as string | undefined,
    demoSeed: raw.DEMO_SEED === "true",
    /** The graph, for subgraphs that ask other registers, under the service's own token. */
    gatewayUrl: raw.GATEWAY_URL as string,
    issuer: raw.JWT_ISSUER as string,
    audience: raw.JWT_AUDIENCE as string,
    /** What a request without an authorization header gets; `bench` only for benchmarks. */
    unauthenticated: raw.SUBGRAPH_UNAUTHENTICATED as UnauthenticatedMode,
    /** How long a statistics answer is reused by this process. */
    statisticsMaxAgeSeconds: raw.STATISTICS_MAX_AGE_SECONDS as number,
    databaseTimeouts: databaseTimeoutsOf(raw),
    /** How long the register waits for the graph (through the gateway) before DEPENDENCY_UNAVAILABLE. */
    graphTimeoutMs: raw.GRAPH_TIMEOUT_MS as number,
  };
}

/**
 * The gateway's public keys: fetched from its JWKS in production, read from the development key
 * under DATA_DIR otherwise.
 */
export async function gatewayKeySource(env: {
  gatewayJwksUrl?: string | undefined;
  dataDir: string;
}): Promise<JWTVerifyGetKey> {
  if (env.gatewayJwksUrl) {
    return createRemoteJWKSet(new URL(env.gatewayJwksUrl));
  }
  return localKeySet([await loadOrCreateSigningKey(devKeyFiles(env.dataDir).gateway)]);
}

/** Opens the register's database and brings its schema up to date. */
export async function prepareDatabase(options: {
  name: string;
  url?: string | undefined;
  dataDir: string;
  migrationsDir: string;
  log: Logger;
  timeouts?: Partial<DatabaseTimeouts> | undefined;
}): Promise<Database> {
  const database = await openDatabase(options);
  try {
    const applied = await applyMigrations(database.sql, options.migrationsDir);
    options.log.info({ database: database.kind, location: database.location, applied }, "database ready");
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal }, "stopping");
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "failed to stop cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/**
 * The graph as a service sees it: through the gateway, with a token for the service's own
 * identity. In development the token is minted by the local issuer under DATA_DIR; in production
 * it comes from the identity provider.
 */
export function serviceGraphClient(
  env: { gatewayUrl: string; dataDir: string; issuer: string; audience: string; graphTimeoutMs?: number },
  identity: Caller,
): GraphClient {
  return createGraphClient({
    url: () => env.gatewayUrl,
    timeoutMs: env.graphTimeoutMs,
    token: serviceTokenSource(() => loadOrCreateSigningKey(devKeyFiles(env.dataDir).issuer), identity, {
      issuer: env.issuer,
      audience: env.audience,
    }),
  });
}
