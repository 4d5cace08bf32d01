// The Pothos types of statistics (with the plugins' type augmentations): for the registers' builders,
// kept out of @spx/runtime/schema, which the gateway's own builder imports for the scalars.
export * from "../schema/statistics-types.js";
export * from "./answer.js";
export * from "./declaration.js";
export * from "./statistics-metrics.js";
export * from "./statistics-service.js";
