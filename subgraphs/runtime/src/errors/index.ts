export * from "./error-chain.js";
export * from "./errors.js";
