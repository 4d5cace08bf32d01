import type { Suppression } from "./statistic-table.js";

/*
 * What a cell says about itself beyond its figures: which were withheld and why, and whether it is
 * a total. Read structurally so that every statistics type's cells go through the same code.
 */
export function suppressionsOf(cell: object): readonly Suppression[] {
  const suppressed: unknown = "suppressed" in cell ? cell.suppressed : undefined;
  return Array.isArray(suppressed)
    ? suppressed.filter(
        (s): s is Suppression =>
          typeof s === "object" && s !== null && typeof s.measure === "string" && typeof s.reason === "string",
      )
    : [];
}

export const isTotal = (cell: object): boolean => "isTotal" in cell && cell.isTotal === true;
