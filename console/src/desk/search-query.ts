/*
 * What the desk's search form asks for, checked in the browser as the registers check it, so that a
 * mistyped number is said at once (the registers refuse it anyway: BAD_IDCS, BAD_USER_INPUT).
 */
export const SEARCH_MODES = ["idcs", "cin", "name"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

const IDCS = /^\d{10}$/;
// As @spx/reference/cin normalizes and checks a card number: 1–2 letters, 5–8 digits.
const CIN = /^[A-Z]{1,2}\d{5,8}$/;

export type SearchRequest =
  | { mode: "idcs"; idcs: string }
  | { mode: "cin"; cin: string }
  | { mode: "name"; namePrefix: string };

/** The request for what was typed, or null when it cannot be one of `mode`. */
export function searchRequest(mode: SearchMode, typed: string): SearchRequest | null {
  if (mode === "idcs") {
    const idcs = typed.replace(/\s+/g, "");
    return IDCS.test(idcs) ? { mode, idcs } : null;
  }
  if (mode === "cin") {
    const cin = typed.replace(/\s+/g, "").toUpperCase();
    return CIN.test(cin) ? { mode, cin } : null;
  }
  const namePrefix = typed.trim().replace(/\s+/g, " ");
  return namePrefix.length >= 2 ? { mode, namePrefix } : null;
}
