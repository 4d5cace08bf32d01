import { type ReactNode, useId } from "react";
import { useTranslation } from "react-i18next";
import type { ExplainedRefusal } from "./explained-refusals.js";
import { Refused } from "./Refused.js";

/** One register's part of a file, titled; refused whole, it shows why in place of its content. */
export function Section({
  title,
  refusal,
  testId,
  unavailable = false,
  children,
}: {
  title: string;
  refusal?: ExplainedRefusal | undefined;
  testId: string;
  /** The register holding this part did not answer: said, rather than shown as empty. */
  unavailable?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation("desk");
  const id = useId();
  return (
    <section className="file-section" aria-labelledby={id} data-testid={testId}>
      <h2 id={id}>{title}</h2>
      {refusal ? (
        <Refused refusal={refusal} />
      ) : unavailable ? (
        <p role="status" className="error" data-testid="unavailable">
          {t("file.unavailable")}
        </p>
      ) : (
        children
      )}
    </section>
  );
}
