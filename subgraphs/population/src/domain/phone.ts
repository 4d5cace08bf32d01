/** Moroccan numbers in E.164: +212 then 9 digits, mobile (6, 7) or fixed (5). */
const PHONE = /^\+212[5-7]\d{8}$/;

/** Accepts 0612345678, 00212612345678 or +212 6 12 34 56 78; returns E.164 or null. */
export function normalizePhone(value: string): string | null {
  const compact = value.replace(/[\s.()-]/g, "");
  const e164 = compact.startsWith("00212")
    ? `+${compact.slice(2)}`
    : compact.startsWith("0")
      ? `+212${compact.slice(1)}`
      : compact;
  return PHONE.test(e164) ? e164 : null;
}
