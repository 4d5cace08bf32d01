import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useConsoleConfig } from "../app/ConfigProvider.js";
import type { Milieu } from "../generated/graphql.js";
import type { Filters } from "./filters.js";

const MILIEUS: readonly Milieu[] = ["URBAN", "RURAL"];

export function FilterBar({ filters, onChange }: { filters: Filters; onChange: (filters: Filters) => void }) {
  const { t } = useTranslation();
  const { regions } = useConsoleConfig();
  const ids = { region: useId(), milieu: useId() };
  return (
    <fieldset className="filters">
      <legend>{t("dashboard.filters")}</legend>
      <div className="field">
        <label htmlFor={ids.region}>{t("dashboard.region")}</label>
        <select
          id={ids.region}
          value={filters.region ?? ""}
          onChange={(event) => onChange({ ...filters, region: event.target.value || null })}
        >
          <option value="">{t("dashboard.allRegions")}</option>
          {regions.map((region) => (
            <option key={region.code} value={region.code}>
              {region.code} — {region.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.milieu}>{t("dashboard.milieu")}</label>
        <select
          id={ids.milieu}
          value={filters.milieu ?? ""}
          onChange={(event) => {
            const milieu = MILIEUS.find((m) => m === event.target.value) ?? null;
            onChange({ ...filters, milieu });
          }}
        >
          <option value="">{t("dashboard.allMilieus")}</option>
          {MILIEUS.map((milieu) => (
            <option key={milieu} value={milieu}>
              {t(`dashboard.values.${milieu}`)}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}
