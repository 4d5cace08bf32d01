import { useState } from "react";
import { useTranslation } from "react-i18next";
import { usePageTitle } from "../ui/use-page-title.js";
import { FilterBar } from "./FilterBar.js";
import type { Filters } from "./filters.js";
import { CoverageSection } from "./sections/CoverageSection.js";
import { DirectAidSection } from "./sections/DirectAidSection.js";
import { HouseholdSection } from "./sections/HouseholdSection.js";
import { IndexSection } from "./sections/IndexSection.js";
import { PopulationSection } from "./sections/PopulationSection.js";

/**
 * The ministry dashboard (whoever holds stats:read: MSPS analysts, CNDP auditors): the registers'
 * aggregates as the API answers them, disclosure control included.
 */
export default function DashboardPage() {
  const { t } = useTranslation();
  usePageTitle(t("pages.dashboard"));
  const [filters, setFilters] = useState<Filters>({ region: null, milieu: null });
  return (
    <div className="dashboard">
      <h1>{t("dashboard.title")}</h1>
      <p>{t("dashboard.intro")}</p>
      <FilterBar filters={filters} onChange={setFilters} />
      <PopulationSection filters={filters} />
      <HouseholdSection filters={filters} />
      <IndexSection filters={filters} />
      <CoverageSection filters={filters} />
      <DirectAidSection filters={filters} />
    </div>
  );
}
