import type { CombinedError } from "@urql/core";
import { type Refusal, refusalsOf } from "../../graphql/refusals.js";

/** A refused field with the kinds of data the grant lacks for it, as the gateway names them. */
export interface ExplainedRefusal extends Refusal {
  kindsOfData: readonly string[];
}

const key = (path: readonly (string | number)[]) => path.join("\u0000");

/** The refusals of an answer, each with its `kindsOfData` (to be said in the page's language). */
export function explainedRefusals(error: CombinedError | undefined): ExplainedRefusal[] {
  const kinds = new Map<string, string[]>();
  for (const e of error?.graphQLErrors ?? []) {
    const given = (e.extensions as Record<string, unknown>).kindsOfData;
    if (Array.isArray(given)) {
      kinds.set(
        key(e.path ?? []),
        given.filter((k): k is string => typeof k === "string"),
      );
    }
  }
  return refusalsOf(error).map((refusal) => ({ ...refusal, kindsOfData: kinds.get(key(refusal.path)) ?? [] }));
}
