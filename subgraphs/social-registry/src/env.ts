import { EnvError, parseEnv, subgraphEnv } from "@spx/runtime/config";
import { z } from "zod";

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

const registrySchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    ATTESTATION_SIGNING_KEY: privateJwkJson,
    ATTESTATION_TTL_SECONDS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(60).max(604_800).optional()),
  })
  .refine((env) => !(env.NODE_ENV === "production" && !env.ATTESTATION_SIGNING_KEY), {
    path: ["ATTESTATION_SIGNING_KEY"],
    message: "required in production: the private JWK that signs eligibility attestations",
  });

/**
 * Read once at start-up: SOCIAL_REGISTRY_PORT, SOCIAL_REGISTRY_DATABASE_URL, GATEWAY_URL, … and the
 * attestation settings. Every problem is reported at once.
 */
export function loadEnv() {
  const issues: string[] = [];
  const collect = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof EnvError)) {
        throw error;
      }
      issues.push(...error.issues);
      return undefined;
    }
  };
  const common = collect(() => subgraphEnv("SOCIAL_REGISTRY", 4002, undefined, { asksGraph: true }));
  const own = collect(() => parseEnv(registrySchema));
  if (!common || !own) {
    throw new EnvError(issues);
  }
  return {
    ...common,
    /** ATTESTATION_SIGNING_KEY (production); the development key under DATA_DIR otherwise. */
    attestationSigningKey: own.ATTESTATION_SIGNING_KEY,
    /** ATTESTATION_TTL_SECONDS, 60 s to 7 days; one day when unset. */
    attestationTtlSeconds: own.ATTESTATION_TTL_SECONDS,
  };
}
