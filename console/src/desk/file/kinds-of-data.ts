import { useTranslation } from "react-i18next";

/*
 * The kinds of data the graph names in plain English words (a refusal's `kindsOfData`, a citizen's
 * access record): the catalogue's words, one per scope. Translated here by word; a kind the
 * console does not know yet (a newer catalogue) is shown as the graph wrote it.
 */
const KIND_KEYS = {
  "access log": "accessLog",
  "address and telephone": "addressAndTelephone",
  "aid payments": "aidPayments",
  "civil status history": "civilHistory",
  "declared living conditions": "declaredLivingConditions",
  "direct aid": "directAid",
  "direct aid applications": "directAidApplications",
  disability: "disability",
  "disability (yes/no)": "disabilityStatus",
  "disability diagnosis": "disabilityDiagnosis",
  "guardianship and kafala": "guardianship",
  "health coverage": "healthCoverage",
  "household composition": "householdComposition",
  "household index": "householdIndex",
  "household record": "householdRecord",
  identity: "identity",
  "identity check (yes/no)": "identityCheck",
  "identity for payment": "identityForPayment",
  "identity record": "identityRecord",
  "index revision requests": "indexRevisionRequests",
  "marital status": "maritalStatus",
  "parents and children": "parentsAndChildren",
  "programme eligibility": "programmeEligibility",
  "registration details": "registrationDetails",
  statistics: "statistics",
  "whether the father has died": "fatherDied",
} as const;

type Kind = keyof typeof KIND_KEYS;
const isKnown = (kind: string): kind is Kind => kind in KIND_KEYS;

/** A kind of data in the page's language. */
export function useKindOfData(): (kind: string) => string {
  const { t } = useTranslation("desk");
  return (kind) => (isKnown(kind) ? t(`file.kinds.${KIND_KEYS[kind]}`) : kind);
}
