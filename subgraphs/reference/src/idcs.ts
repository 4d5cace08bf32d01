import { randomInt } from "node:crypto";

/*
 * IDCS: the 10-digit digital civil and social identifier.
 *
 * Sources describe a random, non-significant number with a built-in check digit and a capacity of
 * "800 million"; the algorithm is not published. This register uses nine random digits, the first
 * of them 1–8 (8 × 10^8 = 800 million numbers), followed by a Verhoeff check digit. Verhoeff was
 * chosen over Luhn because it catches every single-digit error and every swap of two adjacent
 * digits; Luhn misses the 09 ↔ 90 swap.
 */

// Verhoeff tables: multiplication in the dihedral group D5, a position permutation, and inverses.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const;
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const;
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9] as const;

/** Table lookup; the tables are total over 0–9, so a miss is a bug, not input. */
function at(table: readonly (readonly number[])[], row: number, column: number): number {
  const value = table[row]?.[column];
  if (value === undefined) {
    throw new RangeError(`Verhoeff table has no cell ${row},${column}`);
  }
  return value;
}

function checksum(digits: string, offset: number): number {
  let c = 0;
  const n = digits.length;
  for (let i = 0; i < n; i++) {
    const digit = digits.charCodeAt(n - 1 - i) - 48;
    c = at(D, c, at(P, (i + offset) % 8, digit));
  }
  return c;
}

/** The Verhoeff check digit to append to `digits`. */
export function verhoeffDigit(digits: string): number {
  return at([INV], 0, checksum(digits, 1));
}

export function isValidVerhoeff(digits: string): boolean {
  return /^\d+$/.test(digits) && checksum(digits, 0) === 0;
}

export type IdcsProblem = "FORMAT" | "CHECK_DIGIT";

/** Why `value` is not a well-formed IDCS, or null when it is one. */
export function idcsProblem(value: string): IdcsProblem | null {
  if (!/^[1-8]\d{9}$/.test(value)) {
    return "FORMAT";
  }
  return isValidVerhoeff(value) ? null : "CHECK_DIGIT";
}

/** Builds an IDCS from nine body digits (tests and the deterministic demo seed). */
export function idcsFromBody(body: string): string {
  if (!/^[1-8]\d{8}$/.test(body)) {
    throw new RangeError("An IDCS body is nine digits, the first one 1–8");
  }
  return `${body}${verhoeffDigit(body)}`;
}

/** A fresh random IDCS; uniqueness is enforced by the register's primary key. */
export function randomIdcs(random: (min: number, max: number) => number = randomInt): string {
  const body = `${random(1, 9)}${String(random(0, 100_000_000)).padStart(8, "0")}`;
  return idcsFromBody(body);
}
