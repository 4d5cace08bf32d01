import type { TFunction } from "i18next";
import type { fr } from "../i18n/fr.js";

type PurposeCode = keyof (typeof fr)["purposes"];

/**
 * A purpose's description in the page's language; a purpose the console does not know yet (a newer
 * catalogue) keeps the catalogue's own words.
 */
export function purposeDescription(t: TFunction, code: string, catalogueDescription: string): string {
  return t(`purposes.${code as PurposeCode}`, { defaultValue: catalogueDescription });
}
