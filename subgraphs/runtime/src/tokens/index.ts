export * from "./attestation.js";
export * from "./caller-token.js";
export * from "./dev-keys.js";
export * from "./gateway-keys.js";
export * from "./internal-token.js";
export * from "./keys.js";
export * from "./replay-guard.js";
export * from "./token-rejections.js";
