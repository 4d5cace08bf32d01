import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { usePageTitle } from "../ui/use-page-title.js";

export function NotFound() {
  const { t } = useTranslation();
  usePageTitle(t("app.notFoundTitle"));
  return (
    <section>
      <h1>{t("app.notFoundTitle")}</h1>
      <p>{t("app.notFound")}</p>
      <Link to="/">{t("app.home")}</Link>
    </section>
  );
}
