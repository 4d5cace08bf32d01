export * from "./access-bench.js";
export * from "./access-catalogue.js";
export * from "./access-rules.js";
export * from "./access-trail.js";
export * from "./access-vocabulary.js";
export * from "./caller.js";
export * from "./demand.js";
