import { useTranslation } from "react-i18next";
import type { Refusal } from "../graphql/refusals.js";

/** A field the agency may not read, said so with the catalogue's reason and legal basis. */
export function RefusedField({ refusal }: { refusal: Refusal }) {
  const { t } = useTranslation();
  return (
    <div className="refused" data-coordinate={refusal.coordinate}>
      <p className="refused__title">{t("refused.title")}</p>
      {refusal.reason && <p>{t("refused.reason", { reason: refusal.reason })}</p>}
      {refusal.legalBasis && <p>{t("refused.legalBasis", { legalBasis: refusal.legalBasis })}</p>}
    </div>
  );
}
