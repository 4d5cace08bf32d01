import { readFileSync } from "node:fs";
import type { Catalogue } from "@spx/runtime/access";
import { EnvError } from "@spx/runtime/config";
import { z } from "zod";
import { claimsMappingSchema, IDENTITY_MAPPING, mappingProblems } from "./claims-mapping.js";

/**
 * Signature algorithms an issuer may be pinned to: asymmetric only. `none` is never accepted, and
 * HMAC (HS*) is left out because a JWKS is public: a shared secret cannot be published in one.
 */
export const ISSUER_ALGORITHMS = [
  "EdDSA",
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
] as const;

/** RFC 7519 §4.1.4 asks for "small leeway"; more than a minute hides a broken clock. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export const issuerConfigSchema = z
  .object({
    /** The exact `iss` of its tokens. */
    issuer: z.string().min(1),
    jwksUri: z
      .string()
      .url()
      .regex(/^https?:\/\//, "must be an http(s) URL"),
    /** The `aud` its tokens must carry for this gateway. */
    audience: z.string().min(1),
    algorithms: z.array(z.enum(ISSUER_ALGORITHMS)).min(1),
    /**
     * The JWT header `typ` its tokens must carry: `at+jwt` for an RFC 9068 access token (the
     * default). `null` skips the check, for issuers such as Keycloak whose access tokens say `JWT`.
     */
    tokenType: z.string().min(1).nullable().default("at+jwt"),
    clockToleranceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_CLOCK_TOLERANCE_SECONDS)
      .default(DEFAULT_CLOCK_TOLERANCE_SECONDS),
    /** How its claims make a caller; this system's own claim names when left out. */
    claims: claimsMappingSchema.default(IDENTITY_MAPPING),
  })
  .strict();

export type IssuerConfig = z.infer<typeof issuerConfigSchema>;

const issuersFileSchema = z
  .object({ issuers: z.array(issuerConfigSchema).min(1) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [index, { issuer }] of file.issuers.entries()) {
      if (seen.has(issuer)) {
        ctx.addIssue({ code: "custom", path: ["issuers", index, "issuer"], message: "is trusted twice" });
      }
      seen.add(issuer);
    }
  });

/**
 * The trusted issuers of a GATEWAY_ISSUERS_FILE's text, or every problem found in it, one line
 * each (the shape, then each mapping against the catalogue), so that an operator fixes the file in
 * one go.
 */
export function parseIssuers(text: string, catalogue: Catalogue): IssuerConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EnvError([`GATEWAY_ISSUERS_FILE: not JSON (${(error as Error).message})`]);
  }
  const result = issuersFileSchema.safeParse(json);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `GATEWAY_ISSUERS_FILE: ${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const problems = result.data.issuers.flatMap((issuer, index) =>
    mappingProblems(issuer.claims, catalogue).map((problem) => `GATEWAY_ISSUERS_FILE: issuers.${index}.${problem}`),
  );
  if (problems.length > 0) {
    throw new EnvError(problems);
  }
  return result.data.issuers;
}

export function readIssuersFile(path: string, catalogue: Catalogue): IssuerConfig[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new EnvError([`GATEWAY_ISSUERS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`]);
  }
  return parseIssuers(text, catalogue);
}
