export * from "./client-error.js";
export * from "./http-server.js";
export * from "./no-reporting.js";
export * from "./signals.js";
export * from "./subgraph-server.js";
