import { subgraphEnv } from "@spx/runtime/config";

/** Read once at start-up: POPULATION_PORT, POPULATION_DATABASE_URL, DATA_DIR, LOG_LEVEL, … */
export const loadEnv = () => subgraphEnv("POPULATION", 4001);
