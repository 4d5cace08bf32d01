import path from "node:path";
import { z } from "zod";
import { UNAUTHENTICATED_MODES, type UnauthenticatedMode } from "../access/access-bench.js";
import { DEFAULT_GRAPH_TIMEOUT_MS } from "../clients/graph-client.js";
import { databaseTimeoutsEnv, databaseTimeoutsOf, timeoutsAreOrdered } from "../database/database-timeouts.js";
import { parseTokenKeys, type TokenKeysSource } from "../tokens/token-keys.js";
import { logLevel, optionalUrl, parseEnv, port, shutdownGraceSeconds } from "./env.js";

const DEFAULT_GATEWAY_URL = "http://127.0.0.1:4000/graphql";

/** The development token endpoint beside the gateway's GraphQL URL. */
export const devTokenUrlOf = (gatewayUrl: string): string =>
  new URL(`${new URL(gatewayUrl).pathname.replace(/\/graphql\/?$/, "")}/dev-issuer/token`, gatewayUrl).toString();

/** A register's own client at the identity provider, for asking the graph. */
export interface ServiceClientSettings {
  tokenUrl: string;
  clientId: string;
  /** The client secret (client_secret_basic); in development the one under DATA_DIR when unset. */
  secret: string | undefined;
  /** A private JWK file (private_key_jwt); preferred over a secret. */
  keyFile: string | undefined;
  assertionAudience: string | undefined;
  scope: string | undefined;
  resource: string | undefined;
}

/** Checked by the schema already: a value here parses. */
const tokenKeysOf = (keys: string | undefined, file: string | undefined): TokenKeysSource | undefined =>
  keys ? { keys: parseTokenKeys(keys, "GATEWAY_TOKEN_KEYS") } : file ? { file } : undefined;

const optionalText = z.preprocess((value) => (value === "" ? undefined : value), z.string().min(1).optional());

/**
 * The settings every subgraph reads, named after its prefix (e.g. POPULATION_PORT), read once.
 * `asksGraph`: the register asks other registers through the gateway, under its own client.
 * In production every setting with a development default must be given, each missing one named.
 */
export function subgraphEnv(
  prefix: string,
  defaultPort: number,
  source?: Record<string, string | undefined>,
  options: { asksGraph?: boolean } = {},
) {
  const databaseSetting = `${prefix}_DATABASE_URL`;
  const clientIdSetting = `${prefix}_CLIENT_ID`;
  const clientSecretSetting = `${prefix}_CLIENT_SECRET`;
  const clientKeySetting = `${prefix}_CLIENT_KEY_FILE`;
  const raw = parseEnv(
    z
      .object({
        NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
        [`${prefix}_PORT`]: port(defaultPort),
        [databaseSetting]: optionalUrl,
        HOST: z.string().default("127.0.0.1"),
        DATA_DIR: z.string().default("./.data"),
        LOG_LEVEL: logLevel,
        GATEWAY_TOKEN_KEYS: optionalText,
        GATEWAY_TOKEN_KEYS_FILE: optionalText,
        // Replaced by GATEWAY_TOKEN_KEYS[_FILE]: a deployment still setting it is told, not ignored.
        GATEWAY_JWKS_URL: z.preprocess(
          (value) => (value === "" ? undefined : value),
          z
            .undefined({
              error:
                "replaced by GATEWAY_TOKEN_KEYS_FILE (or GATEWAY_TOKEN_KEYS): the gateway's tokens are HMACs under this register's key, printed by `npm run -s token-key -- <register>`",
            })
            .optional(),
        ),
        REDIS_URL: z.preprocess(
          (value) => (value === "" ? undefined : value),
          z
            .string()
            .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
            .optional(),
        ),
        // Unset: seeded in development, never in production.
        DEMO_SEED: z.preprocess((value) => (value === "" ? undefined : value), z.enum(["true", "false"]).optional()),
        GATEWAY_URL: optionalUrl,
        TOKEN_URL: optionalUrl,
        TOKEN_ASSERTION_AUDIENCE: optionalText,
        TOKEN_SCOPE: optionalText,
        TOKEN_RESOURCE: optionalText,
        [clientIdSetting]: optionalText,
        [clientSecretSetting]: optionalText,
        [clientKeySetting]: optionalText,
        SINGLE_PROCESS: z.enum(["true", "false"]).default("false"),
        SUBGRAPH_UNAUTHENTICATED: z.enum(UNAUTHENTICATED_MODES).default("refuse"),
        STATISTICS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
        STATISTICS_REFRESH_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
        // Replaced by STATISTICS_REFRESH_SECONDS: a deployment still setting it is told, not ignored.
        STATISTICS_MAX_AGE_SECONDS: z
          .undefined({ error: "replaced by STATISTICS_REFRESH_SECONDS (statistics are served from snapshots)" })
          .optional(),
        GRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(DEFAULT_GRAPH_TIMEOUT_MS),
        SHUTDOWN_GRACE_SECONDS: shutdownGraceSeconds,
        // Unset: events are delivered without a broker (consumers poll the producers' feeds through the graph).
        NATS_URL: z.preprocess(
          (value) => (value === "" ? undefined : value),
          z
            .string()
            .regex(/^(nats|tls):\/\/[^\s]+$/, "must be a nats:// or tls:// URL (several: comma-separated)")
            .optional(),
        ),
        EVENTS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
        EVENTS_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(200),
        ...databaseTimeoutsEnv,
      })
      .refine(timeoutsAreOrdered, {
        path: ["DATABASE_QUERY_TIMEOUT_MS"],
        message: "must be longer than DATABASE_STATEMENT_TIMEOUT_MS",
      })
      .refine((env) => !(env.GATEWAY_TOKEN_KEYS && env.GATEWAY_TOKEN_KEYS_FILE), {
        path: ["GATEWAY_TOKEN_KEYS_FILE"],
        message: "set GATEWAY_TOKEN_KEYS or GATEWAY_TOKEN_KEYS_FILE, not both",
      })
      .superRefine((env, ctx) => {
        // The file is read at start (and checked then); the value is checked here, with the rest.
        const keys = env.GATEWAY_TOKEN_KEYS as string | undefined;
        if (keys) {
          try {
            parseTokenKeys(keys, "GATEWAY_TOKEN_KEYS");
          } catch (error) {
            ctx.addIssue({
              code: "custom",
              path: ["GATEWAY_TOKEN_KEYS"],
              message: (error as Error).message.replace(/^GATEWAY_TOKEN_KEYS: /, ""),
            });
          }
        }
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.DEMO_SEED === "true"), {
        path: ["DEMO_SEED"],
        message: "true is for development and is refused in production: a production register holds real data only",
      })
      .refine((env) => !(env.NODE_ENV === "production" && env.SUBGRAPH_UNAUTHENTICATED === "bench"), {
        path: ["SUBGRAPH_UNAUTHENTICATED"],
        message: "bench is for benchmarks and is refused in production",
      })
      .superRefine((parsed, ctx) => {
        if (parsed.NODE_ENV !== "production") {
          return;
        }
        const env = parsed as Record<string, unknown>;
        const missing = (setting: string, message: string) =>
          ctx.addIssue({ code: "custom", path: [setting], message });
        if (!env[databaseSetting]) {
          missing(
            databaseSetting,
            "required in production: the register's PostgreSQL (the embedded database is refused)",
          );
        }
        if (!env.GATEWAY_TOKEN_KEYS && !env.GATEWAY_TOKEN_KEYS_FILE) {
          missing(
            "GATEWAY_TOKEN_KEYS_FILE",
            "required in production (or GATEWAY_TOKEN_KEYS): this register's keys of the gateway's tokens, as `npm run -s token-key -- <register>` prints them",
          );
        }
        if (!env.REDIS_URL && env.SINGLE_PROCESS !== "true") {
          missing("REDIS_URL", "required in production unless SINGLE_PROCESS=true: state shared by every replica");
        }
        if (!options.asksGraph) {
          return;
        }
        if (!env.GATEWAY_URL) {
          missing("GATEWAY_URL", "required in production: the gateway's GraphQL URL this register asks");
        }
        if (!env.TOKEN_URL) {
          missing("TOKEN_URL", "required in production: the identity provider's token endpoint");
        }
        if (!env[clientIdSetting]) {
          missing(clientIdSetting, "required in production: this register's client id at the identity provider");
        }
        if (!env[clientSecretSetting] && !env[clientKeySetting]) {
          missing(
            clientKeySetting,
            `required in production (or ${clientSecretSetting}): this register's client credentials`,
          );
        }
      }),
    source,
  );
  const read = (setting: string) => (raw as Record<string, unknown>)[setting] as string | undefined;
  const gatewayUrl = (raw.GATEWAY_URL as string | undefined) ?? DEFAULT_GATEWAY_URL;
  const client: ServiceClientSettings = {
    tokenUrl: (raw.TOKEN_URL as string | undefined) ?? devTokenUrlOf(gatewayUrl),
    clientId: read(clientIdSetting) ?? prefix.toLowerCase().replaceAll("_", "-"),
    secret: read(clientSecretSetting),
    keyFile: read(clientKeySetting),
    assertionAudience: raw.TOKEN_ASSERTION_AUDIENCE as string | undefined,
    scope: raw.TOKEN_SCOPE as string | undefined,
    resource: raw.TOKEN_RESOURCE as string | undefined,
  };
  return {
    production: raw.NODE_ENV === "production",
    port: (raw as Record<string, unknown>)[`${prefix}_PORT`] as number,
    databaseUrl: read(databaseSetting),
    host: raw.HOST as string,
    dataDir: path.resolve(raw.DATA_DIR as string),
    logLevel: raw.LOG_LEVEL as string,
    /**
     * The keys this register accepts the gateway's tokens under (GATEWAY_TOKEN_KEYS, or the file
     * GATEWAY_TOKEN_KEYS_FILE, read again on an unknown kid); derived under DATA_DIR in development.
     */
    tokenKeys: tokenKeysOf(
      raw.GATEWAY_TOKEN_KEYS as string | undefined,
      raw.GATEWAY_TOKEN_KEYS_FILE as string | undefined,
    ),
    /** Redis shared by the subgraph's replicas, so that each gateway token is accepted once by all. */
    redisUrl: raw.REDIS_URL as string | undefined,
    /** Demo data into an empty register: by default outside production, and never in production. */
    demoSeed: raw.DEMO_SEED === undefined ? raw.NODE_ENV !== "production" : raw.DEMO_SEED === "true",
    /** The graph, for subgraphs that ask other registers, under the service's own token. */
    gatewayUrl,
    /** The register's client for its own token (TOKEN_URL, <PREFIX>_CLIENT_*). */
    client,
    /** The operator states that this register runs as one process (memory will do for shared state). */
    singleProcess: raw.SINGLE_PROCESS === "true",
    /** What a request without an authorization header gets; `bench` only for benchmarks. */
    unauthenticated: raw.SUBGRAPH_UNAUTHENTICATED as UnauthenticatedMode,
    /** How old a statistics snapshot may grow before it is refreshed. */
    statisticsRefreshSeconds: raw.STATISTICS_REFRESH_SECONDS as number,
    /** How long one snapshot refresh's statement may run. */
    statisticsRefreshTimeoutMs: raw.STATISTICS_REFRESH_TIMEOUT_MS as number,
    databaseTimeouts: databaseTimeoutsOf(raw),
    /** How long the register waits for the graph (through the gateway) before DEPENDENCY_UNAVAILABLE. */
    graphTimeoutMs: raw.GRAPH_TIMEOUT_MS as number,
    /** How long requests in flight at SIGTERM or SIGINT may take to finish before they are cut. */
    shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS as number,
    /** NATS JetStream servers for the events; unset, the graph feed delivers them (also in production). */
    natsUrl: raw.NATS_URL as string | undefined,
    /** How often a consumer polls a producer's feed (or waits on NATS) for new events. */
    eventsPollIntervalMs: raw.EVENTS_POLL_INTERVAL_MS as number,
    /** How often the relay positions and publishes the register's outbox. */
    eventsRelayIntervalMs: raw.EVENTS_RELAY_INTERVAL_MS as number,
  };
}
