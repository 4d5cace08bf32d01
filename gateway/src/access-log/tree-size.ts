/** Largest tree size or index accepted from outside: sizes are JS numbers, exact up to 2^53. */
const MAX_SIZE = 2n ** 53n;

/** A size or index given by a caller that cannot be one; answered 400 / BAD_USER_INPUT. */
export class TreeSizeError extends Error {}

/**
 * A tree size or leaf index as callers write it: a decimal string without sign or leading zeros,
 * at most 2^53 (bounded before anything is computed or read with it).
 */
export function parseTreeSize(text: string | null | undefined, name: string): number {
  if (text === null || text === undefined || text === "") {
    throw new TreeSizeError(`${name} is required`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || BigInt(text) > MAX_SIZE) {
    throw new TreeSizeError(`${name} must be a decimal integer from 0 to 2^53, without leading zeros`);
  }
  return Number(text);
}

/** `from` and `to` of a consistency proof: from ≤ to ≤ the size of the latest checkpoint. */
export function consistencyRange(
  fromText: string | null | undefined,
  toText: string | null | undefined,
  latestSize: number,
): { from: number; to: number } {
  const from = parseTreeSize(fromText, "from");
  const to = parseTreeSize(toText, "to");
  if (from > to) {
    throw new TreeSizeError("from must not be greater than to");
  }
  if (to > latestSize) {
    throw new TreeSizeError(`to must not be greater than the latest checkpoint's size (${latestSize})`);
  }
  return { from, to };
}
