import { idcsProblem } from "@spx/reference/idcs";
import { BadIdcsError } from "../errors.js";

/** Returns the IDCS when it is well formed; BAD_IDCS otherwise, before any database access. */
export function requireIdcs(value: string): string {
  const idcs = value.trim();
  const problem = idcsProblem(idcs);
  if (problem) {
    throw new BadIdcsError(problem);
  }
  return idcs;
}
