export * from "./create-subgraph.js";
export * from "./define-subgraph.js";
export * from "./run-subgraph.js";
export * from "./subgraph-builder.js";
