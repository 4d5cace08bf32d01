import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useConsoleConfig } from "../app/ConfigProvider.js";
import { useFormats } from "../ui/format.js";
import { type Labels, labelsFor } from "./labels.js";

export function useLabels(): Labels {
  const { t } = useTranslation();
  const { regions } = useConsoleConfig();
  const formats = useFormats();
  return useMemo(() => labelsFor(t, regions, formats), [t, regions, formats]);
}
