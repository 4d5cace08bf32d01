import { useEffect } from "react";
import { useTranslation } from "react-i18next";

/** Each page names itself in the tab and for screen readers, in the page's language. */
export function usePageTitle(title: string): void {
  const { t } = useTranslation();
  const app = t("app.title");
  useEffect(() => {
    document.title = `${title} · ${app}`;
  }, [title, app]);
}
