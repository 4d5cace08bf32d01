import type { CombinedError } from "@urql/core";

/** A FORBIDDEN error for one field: what the gateway says about a field the grant may not read. */
export interface Refusal {
  /** "Type.field" */
  coordinate: string;
  reason: string | null;
  legalBasis: string | null;
  /** Where in the answer the field would have been. */
  path: readonly (string | number)[];
}

/** The refused fields in an answer's errors (other errors are left to the caller). */
export function refusalsOf(error: CombinedError | undefined): Refusal[] {
  if (!error) {
    return [];
  }
  return error.graphQLErrors.flatMap((e) => {
    const extensions = e.extensions as Record<string, unknown>;
    if (extensions.code !== "FORBIDDEN" || typeof extensions.coordinate !== "string") {
      return [];
    }
    return [
      {
        coordinate: extensions.coordinate,
        reason: typeof extensions.reason === "string" ? extensions.reason : null,
        legalBasis: typeof extensions.legalBasis === "string" ? extensions.legalBasis : null,
        path: e.path ?? [],
      },
    ];
  });
}
