import type { CombinedError } from "@urql/core";
import { covers } from "./refusal-at.js";

/**
 * Where an answer lacks what a register did not give in time (SUBGRAPH_UNAVAILABLE at a path):
 * such a part is said to be unavailable, never shown as empty ("no coverage" when the insurer is
 * down would be a wrong answer, not a missing one).
 */
export function unavailablePlaces(error: CombinedError | undefined): (string | number)[][] {
  return (error?.graphQLErrors ?? [])
    .filter((e) => e.extensions?.code === "SUBGRAPH_UNAVAILABLE" && e.path)
    .map((e) => [...(e.path ?? [])]);
}

export type UnavailableLookup = (...place: (string | number)[]) => boolean;

/** Whether a part of the answer (or something in it, or what holds it) is missing that way. */
export function unavailableUnder(
  places: readonly (readonly (string | number)[])[],
  root: readonly (string | number)[],
): UnavailableLookup {
  return (...place) => {
    const at = [...root, ...place];
    return places.some((missing) => covers(missing, at) || covers(at, missing));
  };
}
