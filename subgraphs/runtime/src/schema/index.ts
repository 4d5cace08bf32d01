export * from "./aggregate-cache.js";
export * from "./dates.js";
export * from "./scalars.js";
export * from "./shared-aggregates.js";
