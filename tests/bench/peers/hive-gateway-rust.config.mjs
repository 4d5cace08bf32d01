// Hive Gateway with its Rust query planner (@graphql-hive/router-runtime), otherwise at its
// defaults; the supergraph, host and port come from the command line (see peers.mjs). A config
// file rather than the CLI's --hive-router-runtime flag: the flag falls back to the JavaScript
// planner with only a warning when the package cannot load, which would measure the wrong thing.
import { defineConfig } from "@graphql-hive/gateway";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";

export const gatewayConfig = defineConfig({ unifiedGraphHandler });
