export * from "./env.js";
export * from "./production.js";
export * from "./subgraph-env.js";
