import { useTranslation } from "react-i18next";
import { RefusedField } from "../../ui/RefusedField.js";
import type { ExplainedRefusal } from "./explained-refusals.js";
import { useKindOfData } from "./kinds-of-data.js";

/** The shared refused-field notice, and which kind of data is missing said in the page's language. */
export function Refused({ refusal }: { refusal: ExplainedRefusal }) {
  const { t } = useTranslation("desk");
  const kind = useKindOfData();
  return (
    <div className="refused-explained">
      <RefusedField refusal={refusal} />
      {refusal.kindsOfData.length > 0 ? (
        <p className="hint">{t("file.refusedKinds", { kinds: refusal.kindsOfData.map(kind).join(", ") })}</p>
      ) : null}
    </div>
  );
}
