import { subgraphEnv } from "@spx/runtime/config";

/** Read once at start-up: DIRECT_AID_PORT, DIRECT_AID_DATABASE_URL, GATEWAY_URL, TOKEN_URL, … */
export const loadEnv = () => subgraphEnv("DIRECT_AID", 4004, undefined, { asksGraph: true });
