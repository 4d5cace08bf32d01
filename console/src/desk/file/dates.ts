import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { localeOf } from "../../ui/format.js";

/**
 * Calendar dates (a birth date, "1974-05-15") in the page's language. Read as UTC: a date has no
 * time of day, and a local time zone west of Greenwich would show the day before.
 */
export function useCalendarDate(): (isoDate: string) => string {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? "fr";
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(localeOf(language), { dateStyle: "long", timeZone: "UTC" });
    return (isoDate) => format.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
  }, [language]);
}
