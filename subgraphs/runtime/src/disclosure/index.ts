export { LatticeError } from "./lattice.js";
export * from "./protect.js";
export * from "./types.js";
