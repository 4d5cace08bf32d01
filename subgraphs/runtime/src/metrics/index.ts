export * from "./bounded-labels.js";
export * from "./http-metrics.js";
export * from "./label-sets.js";
export * from "./operation-metrics.js";
export * from "./register-metrics.js";
export * from "./registry.js";
export * from "./subgraph-metrics.js";
