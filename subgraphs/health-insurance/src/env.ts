import { subgraphEnv } from "@spx/runtime/config";

/** Read once at start-up: HEALTH_INSURANCE_PORT, HEALTH_INSURANCE_DATABASE_URL, GATEWAY_URL, TOKEN_URL, … */
export const loadEnv = () => subgraphEnv("HEALTH_INSURANCE", 4003, undefined, { asksGraph: true });
