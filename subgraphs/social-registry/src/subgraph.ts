import { type GraphClient, serviceGraphClient } from "@spx/runtime/clients";
import { type Database, readsFor } from "@spx/runtime/database";
import { defineSubgraph } from "@spx/runtime/subgraph";
import {
  ATTESTATION_ISSUER,
  devKeyFiles,
  importSigningKey,
  loadOrCreateSigningKey,
  type SigningKey,
} from "@spx/runtime/tokens";
import { z } from "zod";
import {
  type Declaration,
  type Household,
  type IndexComputation,
  type Membership,
  Prisma,
  PrismaClient,
} from "../generated/prisma/index.js";
import { createContext } from "./context.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "./registry-data.js";
import { schema } from "./schema/index.js";
import { householdStatisticsOf, INDEX_DISTRIBUTION } from "./schema/statistics.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export type RegistryPrisma = PrismaClient;

/** How long an eligibility attestation holds unless configured otherwise: one day. */
export const DEFAULT_ATTESTATION_TTL_SECONDS = 86_400;

/** The register's reads by key, for its loaders (see `keyedReads`). */
export const createReads = (prisma: RegistryPrisma, database: Database) =>
  readsFor(database, Prisma, (reads) => ({
    household: reads<Household>("Household", prisma.household),
    declaration: reads<Declaration>("Declaration", prisma.declaration),
    membership: reads<Membership>("Membership", prisma.membership),
    indexComputation: reads<IndexComputation>("IndexComputation", prisma.indexComputation),
  }));
export type Reads = ReturnType<typeof createReads>;

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

/** A private Ed25519 JWK given as JSON; the key itself never appears in an error. */
const privateJwkJson = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a private JWK as JSON" });
        return z.NEVER;
      }
    })
    .pipe(
      z.looseObject(
        { kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(1), d: z.string().min(1) },
        { error: "must be a private Ed25519 JWK (kty OKP, crv Ed25519, x and d)" },
      ),
    )
    .optional(),
);

/** ATTESTATION_SIGNING_KEY (required in production) and ATTESTATION_TTL_SECONDS (60 s to 7 days). */
const attestationEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    ATTESTATION_SIGNING_KEY: privateJwkJson,
    ATTESTATION_TTL_SECONDS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(60).max(604_800).optional()),
  })
  .refine((env) => !(env.NODE_ENV === "production" && !env.ATTESTATION_SIGNING_KEY), {
    path: ["ATTESTATION_SIGNING_KEY"],
    message: "required in production: the private JWK that signs eligibility attestations",
  })
  .transform((env) => ({
    attestationSigningKey: env.ATTESTATION_SIGNING_KEY,
    attestationTtlSeconds: env.ATTESTATION_TTL_SECONDS,
  }));

export interface SocialRegistryOptions {
  /** How the register asks other registers: through the gateway, under its own client. */
  graph: GraphClient;
  /** Signs eligibility attestations. */
  attestationKey: SigningKey;
  /** How long an attestation holds (one day by default). */
  attestationTtlSeconds?: number | undefined;
}

/** The Unified Social Register (RSU): households, declarations, the socio-economic index. */
export const socialRegistry = defineSubgraph({
  name: "social-registry",
  defaultPort: 4002,
  asksGraph: true,
  module: import.meta.url,
  schema,
  env: attestationEnv,
  async options(env, logger): Promise<SocialRegistryOptions> {
    return {
      graph: serviceGraphClient(env, logger),
      // ATTESTATION_SIGNING_KEY in production, the development key under DATA_DIR otherwise.
      attestationKey: env.attestationSigningKey
        ? await importSigningKey(env.attestationSigningKey)
        : await loadOrCreateSigningKey(devKeyFiles(env.dataDir).attestation),
      attestationTtlSeconds: env.attestationTtlSeconds,
    };
  },
  async setup({ database, options }) {
    const prisma = new PrismaClient({ adapter: database.adapter });
    await installShippedReferenceData(prisma);
    const data: RegistryData = await loadRegistryData(prisma);
    const attestation = {
      key: options.attestationKey,
      issuer: ATTESTATION_ISSUER,
      ttlSeconds: options.attestationTtlSeconds ?? DEFAULT_ATTESTATION_TTL_SECONDS,
    };
    return {
      prisma,
      context: createContext(prisma, createReads(prisma, database), data, options.graph, attestation),
      seed: async () => ({ households: await seedDemoIfEmpty(prisma, data) }),
      statistics: [householdStatisticsOf(data), INDEX_DISTRIBUTION],
      exposed: { data },
      events: { produces: true },
    };
  },
});
