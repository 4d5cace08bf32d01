import type { ExplainedRefusal as Refusal } from "./explained-refusals.js";

/** A list level in a refusal's path (the gateway's "@"): the refusal holds for every item. */
const EACH = "@";

export function covers(refused: readonly (string | number)[], place: readonly (string | number)[]): boolean {
  if (refused.length > place.length) {
    return false;
  }
  return refused.every((segment, i) => segment === place[i] || (segment === EACH && typeof place[i] === "number"));
}

/**
 * The refusal that explains why a place in the answer is empty: the field itself, or a parent the
 * gateway refused whole (then everything under it is refused for the same reason).
 */
export function refusalAt(refusals: readonly Refusal[], place: readonly (string | number)[]): Refusal | undefined {
  return refusals.find((refusal) => covers(refusal.path, place));
}

/** The refusals of one part of the answer, for a part that shows them all (e.g. a whole section). */
export type RefusalLookup = (...place: (string | number)[]) => Refusal | undefined;

export function lookupUnder(refusals: readonly Refusal[], root: readonly (string | number)[]): RefusalLookup {
  return (...place) => refusalAt(refusals, [...root, ...place]);
}
