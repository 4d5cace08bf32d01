import type { Catalogue, OperationLimits } from "@spx/runtime/access";

/**
 * Whatever grant a request turns out to have (the caller is known only after authentication),
 * nothing larger than the most generous grant allows is worth reading or parsing.
 */
export function limitCeilings(catalogue: Catalogue): Readonly<OperationLimits> {
  const ceilings = { ...catalogue.edge.limits };
  for (const grant of catalogue.grants) {
    for (const [limit, value] of Object.entries(grant.edge?.limits ?? {}) as [keyof OperationLimits, number][]) {
      ceilings[limit] = Math.max(ceilings[limit], value);
    }
  }
  return ceilings;
}

/**
 * Room around the largest document for the JSON that carries it: escapes (a newline is two bytes)
 * and the variables. Small documents go with small variables here; a body this large is refused
 * before it is parsed as JSON.
 */
export function bodyCeiling(ceilings: Pick<OperationLimits, "documentBytes">): number {
  return 2 * ceilings.documentBytes + 64 * 1024;
}
