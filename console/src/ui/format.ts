import { useMemo } from "react";
import { useTranslation } from "react-i18next";

/*
 * Numbers, amounts and dates in the page's language through Intl. Amounts arrive as decimal strings
 * ("120.50", the MadAmount scalar) and are formatted from the string, so no figure passes through a
 * float on its way to the screen.
 */
const LOCALES = { fr: "fr-MA", ar: "ar-MA", en: "en-GB" } as const;

export interface Formats {
  locale: string;
  count(value: number): string;
  percent(share: number): string;
  amount(decimal: string): string;
  decimal(value: string | number, digits?: number): string;
  dateTime(iso: string): string;
  month(isoMonth: string): string;
}

export function localeOf(language: string): string {
  return language in LOCALES ? LOCALES[language as keyof typeof LOCALES] : LOCALES.fr;
}

export function formatsFor(language: string): Formats {
  const locale = localeOf(language);
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const amount = new Intl.NumberFormat(locale, { style: "currency", currency: "MAD" });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short" });
  const month = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", timeZone: "UTC" });
  return {
    locale,
    count: (value) => count.format(value),
    percent: (share) => percent.format(share),
    amount: (decimal) => amount.format(decimal as Intl.StringNumericLiteral),
    decimal: (value, digits = 2) =>
      new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
        value as Intl.StringNumericLiteral,
      ),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    // "2026-03" or "2026-03-01": the month of a period.
    month: (isoMonth) => month.format(new Date(`${isoMonth.slice(0, 7)}-01T00:00:00Z`)),
  };
}

export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? "fr";
  return useMemo(() => formatsFor(language), [language]);
}
