/*
 * The closed sets metric labels are drawn from, each read from what the project already holds as
 * data: agencies from the catalogue, operation names from the trusted documents. A label value is
 * one of these or `other` (bounded-labels.ts); nothing a client sends reaches a label unchecked.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { TRUSTED_DOCUMENTS_DIR } from "@spx/schema";
import { committedCatalogue } from "../access/access-catalogue.js";
import type { Caller } from "../access/caller.js";

/** A request nobody was authenticated for (refused before, or authentication off for a benchmark). */
export const NO_AGENCY = "none";
/** Citizens act for no agency; they are counted together. */
export const CITIZEN = "CITIZEN";

/** The catalogue's agency codes, CITIZEN and `none`. */
export function agencyLabels(): string[] {
  return [...committedCatalogue().catalogue.agencies.map((agency) => agency.code), CITIZEN, NO_AGENCY];
}

/** The label a caller is counted under (its agency code; bounded again by the family's set). */
export function agencyOf(caller: Pick<Caller, "agency" | "role"> | undefined): string {
  if (!caller) {
    return NO_AGENCY;
  }
  return caller.role === "CITIZEN" ? CITIZEN : (caller.agency ?? NO_AGENCY);
}

let names: string[] | undefined;

/**
 * The operation names of every registered document (schema/trusted-documents/*.json): the only
 * operation names a metric carries. Read here, not through the gateway's manifest checks, so that
 * a register bounds its labels by the same list; a malformed manifest contributes no names (the
 * gateway refuses to start on it anyway).
 */
export function trustedOperationNames(dir: string = TRUSTED_DOCUMENTS_DIR): string[] {
  if (names && dir === TRUSTED_DOCUMENTS_DIR) {
    return names;
  }
  const found = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { operations?: unknown };
      for (const operation of Array.isArray(manifest.operations) ? manifest.operations : []) {
        const name = (operation as { name?: unknown }).name;
        if (typeof name === "string") {
          found.add(name);
        }
      }
    } catch {
      // Not a manifest: it names no operation.
    }
  }
  const sorted = [...found].sort();
  if (dir === TRUSTED_DOCUMENTS_DIR) {
    names = sorted;
  }
  return sorted;
}

export const OPERATION_TYPES = ["query", "mutation", "subscription"] as const;

/**
 * How an operation ended: `ok` without errors; `error` when something on the service's side
 * failed (an unexpected error, a register busy or unavailable), whether or not part of the answer
 * was served; `refused` when the errors are the caller's (a limit, a grant, bad input).
 */
export const OUTCOMES = ["ok", "refused", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Error codes that say the service failed, not the caller. */
export const SERVICE_FAILURE_CODES: ReadonlySet<string> = new Set([
  "INTERNAL_SERVER_ERROR",
  "SUBGRAPH_UNAVAILABLE",
  "REGISTER_BUSY",
  "ACCESS_LOG_UNAVAILABLE",
  "REPLAY_GUARD_UNAVAILABLE",
  "KEYS_UNAVAILABLE",
  "SHUTTING_DOWN",
  "REQUEST_TIMEOUT",
]);

export function outcomeOf(codes: Iterable<unknown>): Outcome {
  let outcome: Outcome = "ok";
  for (const code of codes) {
    if (typeof code === "string" && SERVICE_FAILURE_CODES.has(code)) {
      return "error";
    }
    outcome = "refused";
  }
  return outcome;
}

export const HTTP_METHODS = ["GET", "POST", "OPTIONS", "HEAD"] as const;
export const HTTP_STATUS_CODES = [
  "200",
  "204",
  "400",
  "401",
  "403",
  "404",
  "405",
  "408",
  "413",
  "415",
  "429",
  "431",
  "500",
  "502",
  "503",
  "504",
] as const;

/** Latency buckets for a request or a call, in seconds: 1 ms to 10 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
