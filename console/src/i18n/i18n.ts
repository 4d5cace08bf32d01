import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { ar as citizenAr } from "../citizen/i18n/ar.js";
import { en as citizenEn } from "../citizen/i18n/en.js";
import { fr as citizenFr } from "../citizen/i18n/fr.js";
import { ar as deskAr } from "../desk/i18n/ar.js";
import { en as deskEn } from "../desk/i18n/en.js";
import { fr as deskFr } from "../desk/i18n/fr.js";
import { ar } from "./ar.js";
import { en } from "./en.js";
import { fr } from "./fr.js";

/*
 * Messages are bundled (no HTTP backend: the console makes no request but to its own origin, and a
 * language switch must not wait). Each page folder owns a namespace of its own, so that the pages'
 * authors never edit the same file: "translation" (shell, sign-in, shared components, dashboard),
 * "desk" and "citizen".
 */
export const LANGUAGES = ["fr", "ar", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const resources = {
  fr: { translation: fr, desk: deskFr, citizen: citizenFr },
  ar: { translation: ar, desk: deskAr, citizen: citizenAr },
  en: { translation: en, desk: deskEn, citizen: citizenEn },
} as const;

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: (typeof resources)["fr"];
  }
}

const STORED_LANGUAGE = "console.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** The language the page is shown in; its `lang` and `dir` follow it (Arabic is right to left). */
export function currentLanguage(): Language {
  return isLanguage(i18next.resolvedLanguage) ? i18next.resolvedLanguage : "fr";
}

function applyToDocument(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = i18next.dir(language);
}

export async function initI18n(): Promise<void> {
  // A language preference is not personal data: it outlives the session, unlike the token.
  const stored = localStorage.getItem(STORED_LANGUAGE);
  await i18next.use(initReactI18next).init({
    resources,
    lng: isLanguage(stored) ? stored : "fr",
    fallbackLng: "fr",
    supportedLngs: [...LANGUAGES],
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyToDocument(currentLanguage());
  i18next.on("languageChanged", (language) => {
    localStorage.setItem(STORED_LANGUAGE, language);
    applyToDocument(language);
  });
}
