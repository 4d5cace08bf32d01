import { useId } from "react";
import { useTranslation } from "react-i18next";
import { currentLanguage, isLanguage, LANGUAGES } from "../i18n/i18n.js";

/** Each language is named in itself, whatever the page's language, so that anyone can find theirs. */
const NAMES = { fr: "Français", ar: "العربية", en: "English" } as const;

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t("app.language")}</label>
      <select
        id={id}
        value={currentLanguage()}
        onChange={(event) => {
          if (isLanguage(event.target.value)) {
            void i18n.changeLanguage(event.target.value);
          }
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
