import { fileURLToPath } from "node:url";
import type { GraphQLSchema } from "graphql";
import type { z } from "zod";
import type { GraphClient } from "../clients/graph-client.js";
import { serviceGraphClient } from "../clients/service-graph-client.js";
import type { subgraphEnv } from "../config/subgraph-env.js";
import type { Database } from "../database/database.js";
import type { EventsSetup } from "../events/register-event.js";
import type { Logger } from "../logging/logger.js";
import type { RequestContext } from "../server/subgraph-server.js";
import type { StatisticDeclaration } from "../statistics/declaration.js";

/** Every subgraph's settings (`<PREFIX>_PORT`, `<PREFIX>_DATABASE_URL`, DATA_DIR, …), read once. */
export type SubgraphSettings = ReturnType<typeof subgraphEnv>;

/** What a register's `setup` is handed: its migrated database, its logger, and its own options. */
export interface SetupInput<Options> {
  database: Database;
  logger: Logger;
  options: Options;
}

/** What a register is, once set up: its Prisma client, its per-request context, its demo data. */
export interface SubgraphSetup<Prisma, Context extends RequestContext, Exposed> {
  prisma: Prisma;
  /** A new context, with new loaders, for every request. */
  context: (base: RequestContext) => Context;
  /** Fills an empty register with demo data; returns what it wrote, for the start-up log. */
  seed?: () => Promise<Record<string, number> | undefined>;
  /** What the app exposes beyond its database and Prisma client (tests read the registry's data). */
  exposed?: Exposed;
  /** The register's statistics, served from snapshots refreshed on a schedule. */
  statistics?: StatisticDeclaration[];
  /**
   * The events it writes (`produces`: a relay positions and publishes its outbox) and those it
   * reacts to (`consumers`), delivered at least once and recognised by id (consumeOnce).
   */
  events?: EventsSetup;
  /**
   * Stops the register's own background work (a notices schedule): called when the app closes,
   * after requests and events have stopped and before its Prisma client and database close, so a
   * run under way finishes on an open database.
   */
  stop?: () => Promise<void>;
}

/**
 * A register, declared once: `main.ts` serves it (`runSubgraph`) and the test kit starts it
 * (`startTestSubgraph`) from this same declaration, so tests cannot drift from production wiring.
 */
export interface SubgraphDefinition<
  Prisma extends { $disconnect(): Promise<void> } = { $disconnect(): Promise<void> },
  Context extends RequestContext = RequestContext,
  Options = Record<never, never>,
  OwnEnv = Record<never, never>,
  Exposed = Record<never, never>,
> {
  /** The subgraph's name: its audience in gateway tokens, its log name, its embedded database. */
  name: string;
  /** Its settings' prefix: POPULATION gives POPULATION_PORT, POPULATION_DATABASE_URL, … */
  envPrefix: string;
  defaultPort: number;
  /** The register asks other registers through the gateway, under its own client (TOKEN_URL, …). */
  asksGraph?: boolean;
  /** Its SQL migrations, applied at start-up to PostgreSQL and PGlite alike. */
  migrationsDir: string;
  schema: GraphQLSchema;
  /** Settings of its own beyond every subgraph's, checked with them so that all problems show at once. */
  env?: z.ZodType<OwnEnv>;
  /** What `main.ts` derives from the settings for `setup` (keys, the graph client); tests give these directly. */
  options?(settings: SubgraphSettings & OwnEnv, logger: Logger): Promise<Options>;
  /** Prisma client, reference data, loaders: what the register needs before it serves. */
  setup(input: SetupInput<Options>): Promise<SubgraphSetup<Prisma, Context, Exposed>>;
}

/** A declaration as a register writes it: its prefix and migrations follow from its name and folder. */
export type SubgraphDeclaration<
  Prisma extends { $disconnect(): Promise<void> },
  Context extends RequestContext,
  Options,
  OwnEnv,
  Exposed,
> = Omit<SubgraphDefinition<Prisma, Context, Options, OwnEnv, Exposed>, "envPrefix" | "migrationsDir"> & {
  /** The register's `src/subgraph.ts` (its `import.meta.url`): migrations are in `../prisma/migrations`. */
  module: string;
  /** Default: the name in capitals, dashes as underscores (social-registry gives SOCIAL_REGISTRY). */
  envPrefix?: string;
};

/** Declares a register. */
export function defineSubgraph<
  Prisma extends { $disconnect(): Promise<void> },
  Context extends RequestContext,
  Options = Record<never, never>,
  OwnEnv = Record<never, never>,
  Exposed = Record<never, never>,
>(
  declaration: SubgraphDeclaration<Prisma, Context, Options, OwnEnv, Exposed>,
): SubgraphDefinition<Prisma, Context, Options, OwnEnv, Exposed> {
  const { module, ...definition } = declaration;
  return {
    ...definition,
    envPrefix: declaration.envPrefix ?? declaration.name.toUpperCase().replaceAll("-", "_"),
    migrationsDir: fileURLToPath(new URL("../prisma/migrations", module)),
  };
}

/** The options a declaration's `setup` takes. */
export type OptionsOf<D> =
  D extends SubgraphDefinition<infer _Prisma, infer _Context, infer Options, infer _OwnEnv, infer _Exposed>
    ? Options
    : never;

/** Any declaration, whatever its own types (the test kit starts any of them). */
export type AnySubgraph = SubgraphDefinition<
  { $disconnect(): Promise<void> },
  RequestContext,
  unknown,
  unknown,
  unknown
>;

/** What a register that asks other registers needs: the graph, under the register's own client. */
export interface GraphOptions {
  graph: GraphClient;
}

/** `options` of a register whose only option is the graph. */
export async function graphOptions(settings: SubgraphSettings, logger: Logger): Promise<GraphOptions> {
  return { graph: serviceGraphClient(settings, logger) };
}
