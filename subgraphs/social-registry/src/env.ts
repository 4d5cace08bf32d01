import { subgraphEnv } from "@spx/runtime/service";

/** Read once at start-up: SOCIAL_REGISTRY_PORT, SOCIAL_REGISTRY_DATABASE_URL, GATEWAY_URL, … */
export const loadEnv = () => subgraphEnv("SOCIAL_REGISTRY", 4002);
