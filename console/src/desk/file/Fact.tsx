import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ExplainedRefusal } from "./explained-refusals.js";
import { Refused } from "./Refused.js";

/**
 * One labelled fact of a person's file. A fact the agency may not read says so, with the reason
 * and the legal basis the gateway gave, instead of looking empty; a fact the register does not
 * hold says "not recorded".
 */
export function Fact({
  label,
  refusal,
  children,
}: {
  label: string;
  refusal?: ExplainedRefusal | undefined;
  children?: ReactNode;
}) {
  const { t } = useTranslation("desk");
  const empty = children === null || children === undefined || children === "";
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>
        {refusal ? (
          <Refused refusal={refusal} />
        ) : empty ? (
          <span className="muted">{t("file.notShown")}</span>
        ) : (
          children
        )}
      </dd>
    </div>
  );
}

export function Facts({ children }: { children: ReactNode }) {
  return <dl className="facts">{children}</dl>;
}
