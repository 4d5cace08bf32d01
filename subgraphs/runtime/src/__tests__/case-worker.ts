import type { Caller } from "../access/caller.js";

/** The caller of the runtime's token tests: an ANSS case worker of Casablanca-Settat on a case. */
export const CASE_WORKER: Caller = {
  sub: "worker-17",
  agency: "ANSS",
  role: "CASE_WORKER",
  region: "06",
  purpose: "CASE_MANAGEMENT",
};
