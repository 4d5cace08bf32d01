import type { Caller } from "@spx/runtime/access";

/**
 * A case worker of an agency's office in `region` (ANSS unless told). Without a purpose the
 * token states the first one the grant allows (see RunningSystem.token).
 */
export function caseWorker(
  region: string,
  { sub = "test:cw", agency = "ANSS", purpose }: { sub?: string; agency?: string; purpose?: string } = {},
): Caller {
  return {
    sub,
    agency,
    role: "CASE_WORKER",
    region: region as Caller["region"],
    ...(purpose ? { purpose } : {}),
  };
}
