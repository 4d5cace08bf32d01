/*
 * CIN: the number of the national electronic identity card (CNIE). Its format is not officially
 * published; cards in circulation carry one or two letters (the issuing area) followed by digits,
 * e.g. AB123456 or K456789. This register accepts 1–2 letters and 5–8 digits, stored upper-case
 * without spaces.
 */
const CIN = /^[A-Z]{1,2}\d{5,8}$/;

/** Upper-cases and drops spaces, so that "ab 123456" and "AB123456" are the same card. */
export function normalizeCin(value: string): string {
  return value.replace(/\s+/g, "").toUpperCase();
}

export function isValidCin(normalized: string): boolean {
  return CIN.test(normalized);
}
