import { directAid as directAidSubgraph } from "@spx/direct-aid/subgraph";
import { CheckpointStore, type StoredCheckpoint } from "@spx/gateway/access-log/checkpoints";
import { AccessLogProofs } from "@spx/gateway/access-log/proof-bundle";
import { Sequencer } from "@spx/gateway/access-log/sequencer";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "@spx/gateway/access-log/store";
import { AccessLogTree } from "@spx/gateway/access-log/tree";
import { type Authenticate, CLOCK_TOLERANCE_SECONDS, createAuthenticator } from "@spx/gateway/authenticate";
import type { ConsoleOidc } from "@spx/gateway/console/console-config";
import { defaultConsoleDir } from "@spx/gateway/console/console-dir";
import type { RateLimits } from "@spx/gateway/edge/rate-limits";
import type { ResilienceSettings } from "@spx/gateway/edge/resilience-settings";
import { createGateway, type GatewayOptions } from "@spx/gateway/gateway";
import { IDENTITY_MAPPING } from "@spx/gateway/identity/claims-mapping";
import type { TrustedIssuer } from "@spx/gateway/identity/trusted-issuers";
import { loadSupergraph } from "@spx/gateway/supergraph";
import { healthInsurance as healthInsuranceSubgraph } from "@spx/health-insurance/subgraph";
import { population as populationSubgraph } from "@spx/population/subgraph";
import { type Caller, defaultPurpose } from "@spx/runtime/access";
import { createGraphClient, postGraphQL } from "@spx/runtime/clients";
import type { Database } from "@spx/runtime/database";
import type { NatsSettings } from "@spx/runtime/events";
import { createLogger, type Logger } from "@spx/runtime/logging";
import { listen } from "@spx/runtime/server";
import { type AppOf, createSubgraph, type SubgraphAppOptions } from "@spx/runtime/subgraph";
import { type NoteKey, type NoteSigner, noteKeyFromJwk, noteSigner } from "@spx/runtime/tlog";
import {
  generateSigningKey,
  InternalTokenSigner,
  localKeySet,
  mintToken,
  type SigningKey,
  serviceTokenSource,
} from "@spx/runtime/tokens";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { socialRegistry as socialRegistrySubgraph } from "@spx/social-registry/subgraph";
import { createTestDatabase, type TestDatabase } from "@spx/testkit/test-database";
import { createRemoteJWKSet } from "jose";

export const SUPERGRAPH = SUPERGRAPH_FILE;
export const ISSUER = "urn:spx:test-issuer";
export const AUDIENCE = "spx-gateway";
/** The test log's checkpoint origin (and its key's name). */
export const ACCESS_LOG_ORIGIN = "spx.test/access-log";

/** A caller-token issuer the gateway reaches over HTTP, as in production. */
export interface RemoteIdentity {
  issuer: string;
  jwksUri: string;
  audience: string;
  algorithms: string[];
  /** jose's pause between JWKS refetches on an unknown `kid` (its default: 30 s). */
  jwksCooldownMs?: number;
  /** A register's token for the graph, under its service identity (`sub` names the register). */
  serviceToken(identity: Caller): Promise<string>;
}

export interface RunningSystem {
  gatewayUrl: string;
  populationUrl: string;
  /** The identity provider's key: tokens it signs are accepted by the gateway. */
  issuerKey: SigningKey;
  /** The gateway's token secret: each register holds the key derived from it for its name. */
  gatewayKey: InternalTokenSigner;
  /** The social register's key for eligibility attestations (published in the gateway's JWKS). */
  attestationKey: SigningKey;
  population: AppOf<typeof populationSubgraph>;
  populationDb: TestDatabase;
  socialRegistryUrl: string;
  socialRegistry: AppOf<typeof socialRegistrySubgraph>;
  socialRegistryDb: TestDatabase;
  healthInsurance: AppOf<typeof healthInsuranceSubgraph>;
  healthInsuranceDb: TestDatabase;
  directAid: AppOf<typeof directAidSubgraph>;
  directAidDb: TestDatabase;
  /** The gateway's access log and its database. */
  accessLog: AccessLogStore | undefined;
  accessLogDb: TestDatabase;
  /** The access log's sequencer (running with the log on); `waitForSequenced` flushes it. */
  sequencer: Sequencer | undefined;
  /** The log key's public half, to open its checkpoints. */
  accessLogKey: NoteKey;
  /** The log key, for a second sequencer over the same log. */
  accessLogSigner: NoteSigner;
  /** Each subgraph's GraphQL URL, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** What the gateway's caches hold (entries and estimated bytes against their bounds). */
  gatewayCaches: Awaited<ReturnType<typeof createGateway>>["caches"];
  /** Requests each service made to the graph, by service identity. */
  graphCalls: Record<string, number>;
  /**
   * A caller's token from the local test issuer (refused when `identity` names another issuer).
   * Unless the caller names a purpose (or `withoutPurpose` is set), it carries the first purpose
   * the caller's grant allows.
   */
  token(caller: Caller, options?: { ttlSeconds?: number; now?: number; withoutPurpose?: boolean }): Promise<string>;
  query<Data = Record<string, unknown>>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): ReturnType<typeof postGraphQL<Data>>;
  stopPopulation(): Promise<void>;
  /**
   * Delivers every event written so far: the producers' relays position (and publish) them, then
   * the consumers handle them; resolves when the reactions are done (throws if one failed).
   */
  drainEvents(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole path over real HTTP: the population subgraph on its own test database and the gateway
 * serving the committed supergraph, both on free ports, with real keys. Everything started is
 * stopped by `stop()`, also when start-up fails half-way.
 */
export async function startSystem(options: {
  label: string;
  /** Demo persons to seed (and, with `seedHouseholds`, their households). */
  seedPersons?: number;
  seedHouseholds?: boolean;
  /** With `seedHouseholds`: also the programmes' demo enrolments. */
  seedProgrammes?: boolean;
  /** Gateway in production mode (no introspection, no suggestions). */
  production?: boolean;
  /** How the gateway answers refused fields (default `filter`). */
  authorization?: "filter" | "reject";
  /** Keep the access log (default true); false only to measure or to test without it. */
  accessLog?: boolean;
  /** The gateway's rate limits (default: its own, in memory), for tests of the limits themselves. */
  rateLimits?: RateLimits;
  logger?: Logger;
  /** Where the gateway finds these subgraphs instead (e.g. one run as its own process). */
  subgraphUrls?: Record<string, string>;
  /**
   * Identity providers the gateway trusts besides the test issuer (whose tokens `token()` mints),
   * each with its own keys and claims mapping.
   */
  issuers?: TrustedIssuer[];
  /** Receives each refused caller token's reason, as the gateway logs it. */
  onTokenRejected?: (reason: string) => void;
  /** The gateway's deadline, subgraph timeouts and circuits; its defaults otherwise. */
  resilience?: ResilienceSettings;
  /**
   * How the population register reaches its (migrated) test database, e.g. through a proxy the
   * test can freeze; directly otherwise. What it returns is closed with the system.
   */
  populationDatabase?: (url: string) => Promise<Database>;
  /**
   * Trust this issuer (e.g. the test OpenID provider) through its JWKS instead of the local test
   * issuer; the registers then ask the graph with the tokens `serviceToken` gives them.
   */
  identity?: RemoteIdentity;
  /**
   * The console at `/` (default: served from console/dist, as `npm start` serves it). Outside
   * production its development sign-in (`POST /dev-issuer/console-token`) mints tokens of the
   * test issuer; `oidc` makes it sign in at an identity provider instead. `false` serves none.
   */
  console?: false | { dir?: string; oidc?: ConsoleOidc };
  /** The gateway's port, for a test whose other parts must know its address first (a free one otherwise). */
  gatewayPort?: number;
  /**
   * How the registers' events travel: through JetStream (`nats`, a stream of the test's own) or,
   * by default, through the producers' feeds in the graph; delivery is left to
   * the test (`drainEvents()`), which is the default: a test's graph calls and access-log entries
   * are then only its own. `background: true` delivers as production does, on a schedule.
   */
  events?: { nats?: NatsSettings; pollIntervalMs?: number; relayIntervalMs?: number; background?: boolean };
}): Promise<RunningSystem> {
  const logger = options.logger ?? createLogger("test", "silent");
  const cleanup: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step();
    }
  };
  const events: Partial<SubgraphAppOptions> = {
    nats: options.events?.nats,
    eventsPollIntervalMs: options.events?.pollIntervalMs ?? 200,
    eventsRelayIntervalMs: options.events?.relayIntervalMs,
    eventsInBackground: options.events?.background ?? false,
  };
  try {
    const { key: issuerKey } = await generateSigningKey();
    const gatewayKey = InternalTokenSigner.generate();
    const { key: attestationKey } = await generateSigningKey();
    const populationDb = await createTestDatabase(options.label, populationSubgraph.migrationsDir);
    cleanup.push(() => populationDb.drop());
    let populationDatabase = populationDb.database;
    if (options.populationDatabase && populationDb.url) {
      const opened = await options.populationDatabase(populationDb.url);
      cleanup.push(() => opened.close());
      populationDatabase = opened;
    }
    const population = await createSubgraph(populationSubgraph, {
      database: populationDatabase,
      dataDir: "",
      tokenKeys: gatewayKey.keyringFor("population"),
      logger: logger.child({ service: "population" }),
      demoSeed: false,
      ...events,
    });
    cleanup.push(() => population.close());
    if (options.seedPersons) {
      const { seedDemoIfEmpty } = await import("@spx/population/seed/seed-demo");
      await seedDemoIfEmpty(population.prisma, { persons: options.seedPersons });
    }
    const populationServer = await listen(population.handler, 0);
    let populationRunning = true;
    const stopPopulation = async () => {
      if (populationRunning) {
        populationRunning = false;
        await populationServer.close();
      }
    };
    cleanup.push(stopPopulation);
    let gatewayUrl = "";
    const graphCalls: Record<string, number> = {};
    // Each register asks the graph under its own identity, as in production.
    const remote = options.identity;
    const serviceGraph = (identity: Caller) => {
      const client = createGraphClient({
        url: () => `${gatewayUrl}/graphql`,
        token: remote
          ? () => remote.serviceToken(identity)
          : serviceTokenSource(async () => issuerKey, identity, { issuer: ISSUER, audience: AUDIENCE }),
      });
      // Counted, so that tests can prove that cross-register checks are batched.
      return {
        query<Data>(document: string, variables?: Record<string, unknown>) {
          graphCalls[identity.sub] = (graphCalls[identity.sub] ?? 0) + 1;
          return client.query<Data>(document, variables);
        },
      };
    };
    const socialRegistryDb = await createTestDatabase(`${options.label}_rsu`, socialRegistrySubgraph.migrationsDir);
    cleanup.push(() => socialRegistryDb.drop());
    const socialRegistry = await createSubgraph(socialRegistrySubgraph, {
      database: socialRegistryDb.database,
      dataDir: "",
      tokenKeys: gatewayKey.keyringFor("social-registry"),
      graph: serviceGraph({
        sub: "service:social-registry",
        agency: "ANR",
        role: "SERVICE",
        purpose: "IDENTITY_CHECK",
      }),
      attestationKey,
      logger: logger.child({ service: "social-registry" }),
      demoSeed: false,
      ...events,
    });
    cleanup.push(() => socialRegistry.close());
    if (options.seedPersons && options.seedHouseholds) {
      const { seedDemoIfEmpty } = await import("@spx/social-registry/seed/seed-demo");
      await seedDemoIfEmpty(socialRegistry.prisma, socialRegistry.data, { persons: options.seedPersons });
    }
    const socialRegistryServer = await listen(socialRegistry.handler, 0);
    cleanup.push(() => socialRegistryServer.close());
    const healthInsuranceDb = await createTestDatabase(`${options.label}_amo`, healthInsuranceSubgraph.migrationsDir);
    cleanup.push(() => healthInsuranceDb.drop());
    const healthInsurance = await createSubgraph(healthInsuranceSubgraph, {
      database: healthInsuranceDb.database,
      dataDir: "",
      tokenKeys: gatewayKey.keyringFor("health-insurance"),
      graph: serviceGraph({
        sub: "service:health-insurance",
        agency: "CNSS",
        role: "SERVICE",
        purpose: "AMO_ENROLMENT",
      }),
      logger: logger.child({ service: "health-insurance" }),
      demoSeed: false,
      ...events,
    });
    cleanup.push(() => healthInsurance.close());
    if (options.seedPersons && options.seedHouseholds && options.seedProgrammes) {
      const { seedDemoIfEmpty } = await import("@spx/health-insurance/seed/seed-demo");
      await seedDemoIfEmpty(healthInsurance.prisma, { persons: options.seedPersons });
    }
    const healthInsuranceServer = await listen(healthInsurance.handler, 0);
    cleanup.push(() => healthInsuranceServer.close());
    const directAidDb = await createTestDatabase(`${options.label}_asd`, directAidSubgraph.migrationsDir);
    cleanup.push(() => directAidDb.drop());
    const directAid = await createSubgraph(directAidSubgraph, {
      database: directAidDb.database,
      dataDir: "",
      tokenKeys: gatewayKey.keyringFor("direct-aid"),
      graph: serviceGraph({ sub: "service:direct-aid", agency: "ANSS", role: "SERVICE", purpose: "ASD_ELIGIBILITY" }),
      logger: logger.child({ service: "direct-aid" }),
      demoSeed: false,
      ...events,
    });
    cleanup.push(() => directAid.close());
    if (options.seedPersons && options.seedHouseholds && options.seedProgrammes) {
      const { seedDemoIfEmpty } = await import("@spx/direct-aid/seed/seed-demo");
      await seedDemoIfEmpty(directAid.prisma, { persons: options.seedPersons });
    }
    const directAidServer = await listen(directAid.handler, 0);
    cleanup.push(() => directAidServer.close());
    const accessLogDb = await createTestDatabase(`${options.label}_log`, ACCESS_LOG_MIGRATIONS);
    cleanup.push(() => accessLogDb.drop());
    const accessLog = options.accessLog === false ? undefined : new AccessLogStore(accessLogDb.database.sql);
    const { privateJwk: logJwk, key: logKey } = await generateSigningKey();
    const accessLogSigner = noteSigner(ACCESS_LOG_ORIGIN, logJwk as Parameters<typeof noteSigner>[1]);
    const accessLogKey = noteKeyFromJwk(ACCESS_LOG_ORIGIN, logKey.publicJwk as Parameters<typeof noteKeyFromJwk>[1]);
    const sequencer = accessLog
      ? new Sequencer({
          sql: accessLogDb.database.sql,
          signer: accessLogSigner,
          origin: ACCESS_LOG_ORIGIN,
          intervalMs: 200,
          checkpointIntervalMs: 1000,
          logger: logger.child({ service: "access-log-sequencer" }),
        })
      : undefined;
    if (sequencer) {
      sequencer.start();
      cleanup.push(() => sequencer.stop());
    }
    const supergraph = loadSupergraph(SUPERGRAPH);
    const testIssuer: TrustedIssuer = {
      issuer: ISSUER,
      keys: localKeySet([issuerKey]),
      audience: AUDIENCE,
      algorithms: ["EdDSA"],
      tokenType: null,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      claims: IDENTITY_MAPPING,
    };
    const authenticate: Authenticate = createAuthenticator(
      {
        // With a remote identity provider, only its tokens open the gateway (and the issuers given).
        issuers: [
          remote
            ? {
                issuer: remote.issuer,
                keys: createRemoteJWKSet(
                  new URL(remote.jwksUri),
                  remote.jwksCooldownMs === undefined ? {} : { cooldownDuration: remote.jwksCooldownMs },
                ),
                audience: remote.audience,
                algorithms: remote.algorithms,
                tokenType: "at+jwt",
                clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
                claims: IDENTITY_MAPPING,
              }
            : testIssuer,
          ...(options.issuers ?? []),
        ],
      },
      options.onTokenRejected ?? (() => {}),
    );
    const subgraphUrls = {
      population: `${populationServer.url}/graphql`,
      "social-registry": `${socialRegistryServer.url}/graphql`,
      "health-insurance": `${healthInsuranceServer.url}/graphql`,
      "direct-aid": `${directAidServer.url}/graphql`,
      ...options.subgraphUrls,
    };
    const gateway = await createGateway({
      supergraphSdl: supergraph.sdl,
      subgraphs: supergraph.subgraphs,
      subgraphUrls,
      authenticate,
      tokenSigner: gatewayKey,
      logger: logger.child({ service: "gateway" }),
      production: options.production ?? false,
      authorization: options.authorization ?? "filter",
      accessLog,
      sequencer,
      // Proofs against the log key, as npm start serves them (no witness: tests that need one bring it).
      accessLogProofs: accessLog
        ? new AccessLogProofs(
            new AccessLogTree(accessLogDb.database.sql),
            new CheckpointStore(accessLogDb.database.sql),
            {
              origin: ACCESS_LOG_ORIGIN,
              log: accessLogKey,
              witnesses: [],
            },
          )
        : undefined,
      publishedKeys: [attestationKey.publicJwk],
      ...(options.resilience ? { resilience: options.resilience } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      ...(options.console === false
        ? {}
        : {
            console: {
              dir: options.console?.dir ?? defaultConsoleDir(),
              oidc: options.console?.oidc,
              devSignIn: options.production
                ? undefined
                : { issuerKey: async () => issuerKey, issuer: ISSUER, audience: AUDIENCE },
            },
          }),
    });
    cleanup.push(() => gateway.server.stop());
    const gatewayServer = await listen(gateway.handler, options.gatewayPort ?? 0);
    cleanup.push(() => gatewayServer.close());
    gatewayUrl = gatewayServer.url;
    return {
      gatewayUrl,
      populationUrl: populationServer.url,
      issuerKey,
      gatewayKey,
      attestationKey,
      population,
      populationDb,
      socialRegistryUrl: socialRegistryServer.url,
      socialRegistry,
      socialRegistryDb,
      healthInsurance,
      healthInsuranceDb,
      directAid,
      directAidDb,
      accessLog,
      accessLogDb,
      sequencer,
      accessLogKey,
      accessLogSigner,
      subgraphUrls,
      gatewayCaches: gateway.caches,
      graphCalls,
      token: (caller, { withoutPurpose = false, ...tokenOptions } = {}) => {
        const purpose = withoutPurpose ? undefined : (caller.purpose ?? defaultPurpose(caller));
        const { purpose: _stated, ...rest } = caller;
        return mintToken(issuerKey, purpose ? { ...rest, purpose } : rest, {
          issuer: ISSUER,
          audience: AUDIENCE,
          ...tokenOptions,
        });
      },
      query: (token, query, variables, headers = {}) =>
        postGraphQL(
          `${gatewayUrl}/graphql`,
          { query, ...(variables ? { variables } : {}) },
          { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ),
      stopPopulation,
      async drainEvents() {
        await population.events.drain();
        await socialRegistry.events.drain();
        await healthInsurance.events.drain();
        await directAid.events.drain();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Sequences every entry written so far (answers wait for their pending entry, never for the
 * tree) and signs a checkpoint: for tests that read access_log right after a request.
 */
export async function waitForSequenced(
  system: Pick<RunningSystem, "sequencer">,
): Promise<StoredCheckpoint | undefined> {
  if (!system.sequencer) {
    throw new Error("this system keeps no access log");
  }
  return system.sequencer.flush();
}

export interface AnotherGateway {
  url: string;
  /** Closes its server, then stops the gateway. */
  stop(): Promise<void>;
}

/**
 * Another gateway over the system's registers, trusting its test issuer (unless `authenticate` says otherwise), with settings of its own:
 * a second replica, another authorization mode, a shorter deadline. Its caller stops it.
 */
export async function startAnotherGateway(
  system: RunningSystem,
  settings: Omit<Partial<GatewayOptions>, "supergraphSdl" | "subgraphs" | "tokenSigner">,
  /** Its port, when others must know its address first (a free one otherwise). */
  port = 0,
): Promise<AnotherGateway> {
  const supergraph = loadSupergraph(SUPERGRAPH);
  const gateway = await createGateway({
    supergraphSdl: supergraph.sdl,
    subgraphs: supergraph.subgraphs,
    subgraphUrls: system.subgraphUrls,
    authenticate: createAuthenticator(
      { keys: localKeySet([system.issuerKey]), issuer: ISSUER, audience: AUDIENCE, algorithms: ["EdDSA"] },
      () => {},
    ),
    tokenSigner: system.gatewayKey,
    logger: createLogger("test", "silent"),
    ...settings,
  });
  const server = await listen(gateway.handler, port);
  return {
    url: server.url,
    stop: async () => {
      await server.close();
      await gateway.server.stop();
    },
  };
}
