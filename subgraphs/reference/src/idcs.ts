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

// Verhoeff's tables, computed rather than copied: multiplication in the dihedral group D5 (0–4 the
// rotations, 5–9 the reflections), and the position permutation applied i times for row i.
const D: readonly (readonly number[])[] = Array.from({ length: 10 }, (_, j) =>
  Array.from({ length: 10 }, (_, k) => {
    const mod5 = (n: number) => ((n % 5) + 5) % 5;
    if (j < 5) {
      return k < 5 ? mod5(j + k) : 5 + mod5(j + k);
    }
    return k < 5 ? 5 + mod5(j - k) : mod5(j - k);
  }),
);
const P1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4] as const;
const P: readonly (readonly number[])[] = Array.from({ length: 8 }, (_, i) =>
  Array.from({ length: 10 }, (_, digit) => {
    let value = digit;
    for (let step = 0; step < i; step++) {
      value = P1[value] ?? value;
    }
    return value;
  }),
);
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
