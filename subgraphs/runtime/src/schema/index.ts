export * from "./dates.js";
export * from "./scalars.js";
