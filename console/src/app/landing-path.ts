import type { Caller } from "../session/session-store.js";

/** Where a signed-in caller starts: the page their grant is for. */
export function landingPath(caller: Caller): string {
  if (canReadStatistics(caller)) {
    return "/dashboard";
  }
  if (caller.role === "CASE_WORKER") {
    return "/desk";
  }
  if (caller.role === "CITIZEN") {
    return "/me";
  }
  return "/login";
}

export function canReadStatistics(caller: Caller): boolean {
  return caller.scopes.includes("stats:read");
}

export const isCaseWorker = (caller: Caller): boolean => caller.role === "CASE_WORKER";
export const isCitizenCaller = (caller: Caller): boolean => caller.role === "CITIZEN";
