import { DEFAULT_AUDIENCE, DEV_ISSUER } from "@spx/runtime/caller-token";
import { parseEnv } from "@spx/runtime/env";
import { subgraphEnv } from "@spx/runtime/service";
import { z } from "zod";

/** Read once at start-up: SOCIAL_REGISTRY_PORT, SOCIAL_REGISTRY_DATABASE_URL, GATEWAY_URL, … */
export function loadEnv() {
  const extra = parseEnv(
    z.object({
      GATEWAY_URL: z.string().url().default("http://127.0.0.1:4000/graphql"),
      JWT_ISSUER: z.string().min(1).default(DEV_ISSUER),
      JWT_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
    }),
  );
  return {
    ...subgraphEnv("SOCIAL_REGISTRY", 4002),
    gatewayUrl: extra.GATEWAY_URL,
    issuer: extra.JWT_ISSUER,
    audience: extra.JWT_AUDIENCE,
  };
}
