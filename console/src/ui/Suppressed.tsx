import { useTranslation } from "react-i18next";

const REASONS = ["SMALL_COUNT", "COMPLEMENT", "DOMINANCE", "SECONDARY"] as const;
export type SuppressionReasonCode = (typeof REASONS)[number];

const isKnownReason = (reason: string): reason is SuppressionReasonCode =>
  (REASONS as readonly string[]).includes(reason);

/** The reason in words, in the page's language (CSV exports write it too). */
export function useSuppressionReason(): (reason: string) => string {
  const { t } = useTranslation();
  return (reason) => t(`suppressed.reasons.${isKnownReason(reason) ? reason : "UNKNOWN"}`);
}

/**
 * A value the register withheld (statistical confidentiality): shown as a visible mark with its
 * reason in text, never as 0 and never as an empty cell, so that no reader mistakes it for a figure.
 */
export function Suppressed({ reason }: { reason: string }) {
  const { t } = useTranslation();
  const reasonText = useSuppressionReason()(reason);
  return (
    <span className="suppressed" data-suppressed={reason}>
      <span className="suppressed__mark">{t("suppressed.mark")}</span>{" "}
      <span className="suppressed__reason">({reasonText})</span>
    </span>
  );
}
