import { fileURLToPath } from "node:url";
import type { GraphClient } from "@spx/runtime/clients";
import { createSubgraphApp, type SubgraphApp, type SubgraphAppOptions } from "@spx/runtime/subgraph";
import { ATTESTATION_ISSUER, type SigningKey } from "@spx/runtime/tokens";
import { createContext } from "./context.js";
import { createPrisma, type RegistryPrisma } from "./db.js";
import { createReads } from "./reads.js";
import { installShippedReferenceData, loadRegistryData, type RegistryData } from "./registry-data.js";
import { schema } from "./schema/index.js";
import { seedDemoIfEmpty } from "./seed/seed-demo.js";

export const SUBGRAPH_NAME = "social-registry";
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** How long an eligibility attestation holds unless configured otherwise: one day. */
export const DEFAULT_ATTESTATION_TTL_SECONDS = 86_400;

export type SocialRegistryApp = SubgraphApp<RegistryPrisma> & { data: RegistryData };

/**
 * The social-registry subgraph over its database, with its reference data (models, thresholds).
 * `graph` is how it asks other registers; `attestationKey` signs eligibility attestations, which
 * hold for `attestationTtlSeconds` (one day by default).
 */
export async function createSocialRegistryApp(
  options: SubgraphAppOptions & { graph: GraphClient; attestationKey: SigningKey; attestationTtlSeconds?: number },
): Promise<SocialRegistryApp> {
  const attestation = {
    key: options.attestationKey,
    issuer: ATTESTATION_ISSUER,
    ttlSeconds: options.attestationTtlSeconds ?? DEFAULT_ATTESTATION_TTL_SECONDS,
  };
  let data: RegistryData | undefined;
  const app = await createSubgraphApp({
    ...options,
    name: SUBGRAPH_NAME,
    migrationsDir: MIGRATIONS_DIR,
    schema,
    async setup(database) {
      const prisma = createPrisma(database);
      await installShippedReferenceData(prisma);
      const loaded = await loadRegistryData(prisma);
      data = loaded;
      return {
        prisma,
        extendContext: createContext(prisma, createReads(prisma, database), loaded, options.graph, attestation),
        async seed() {
          const seeded = await seedDemoIfEmpty(prisma, loaded);
          if (seeded > 0) {
            options.logger.info({ households: seeded }, "demo households seeded");
          }
        },
      };
    },
  });
  if (!data) {
    throw new Error("social registry set-up did not run");
  }
  return { ...app, data };
}
