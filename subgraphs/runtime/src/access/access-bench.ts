import { type Access, accessOf } from "./access-catalogue.js";
import { type Policy, SCOPE_NAMES } from "./access-vocabulary.js";
import { type Caller, callerSchema } from "./caller.js";

/**
 * What a subgraph does with a request that carries no authorization header at all: `refuse` it
 * (the default, and the only choice in production), or `bench`: serve it as BENCH_CALLER, so that
 * gateways that cannot mint this system's tokens (plain @apollo/gateway, Hive Gateway) can be
 * measured against the very same subgraphs. A request with a header is verified as always.
 */
export const UNAUTHENTICATED_MODES = ["refuse", "bench"] as const;
export type UnauthenticatedMode = (typeof UNAUTHENTICATED_MODES)[number];

/** Benchmarks read person-level data on no one's behalf; no catalogue purpose fits better. */
const BENCH_PURPOSE = "STATISTICS";

/**
 * The built-in benchmark caller. It is no grant of the catalogue on purpose: what a
 * data-protection officer reviewed must not contain an identity allowed everything.
 */
export const BENCH_CALLER: Caller = callerSchema.parse({
  sub: "benchmark",
  agency: "MSPS",
  role: "SYSTEM",
  purpose: BENCH_PURPOSE,
});

/**
 * Every scope, every row (`nationwide` admits all rows and lifts every list restriction): peers
 * get full answers, and the subgraphs still run every scope and row check they run for a grant.
 */
export const BENCH_ACCESS: Access = {
  key: "BENCHMARK",
  scopes: new Set(SCOPE_NAMES),
  policies: new Set<Policy>(["nationwide"]),
  purposes: new Set([BENCH_PURPOSE]),
  role: "SYSTEM",
  // The edge is the gateway's; subgraphs in bench mode never consult it.
  edge: accessOf({ agency: "MSPS", role: "SYSTEM" }).edge,
};
