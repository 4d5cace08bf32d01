import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConsoleDashboardHouseholdsDocument, type HouseholdStatisticDimension } from "../../generated/graphql.js";
import { type Filters, keptBy } from "../filters.js";
import { compareBy } from "../labels.js";
import { Section } from "../Section.js";
import { StatisticChart } from "../StatisticChart.js";
import { StatisticTable } from "../StatisticTable.js";
import { chartValue, latest, type Measure, type StatisticTableModel, shareOf, shownOf } from "../statistic-table.js";
import { isTotal, suppressionsOf } from "../suppressions.js";
import { useLabels } from "../use-labels.js";

const COUNTS = ["households", "members", "scored", "eligibleAmoTadamon", "eligibleDirectAid"] as const;

/** The social register by region (and milieu when filtered): households, index, eligibility. */
export function HouseholdSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const by: HouseholdStatisticDimension[] = filters.milieu ? ["REGION", "MILIEU"] : ["REGION"];
  const [{ data, fetching, error }] = useQuery({ query: ConsoleDashboardHouseholdsDocument, variables: { by } });

  const cells = (data?.householdStatistics ?? [])
    .filter((cell) => keptBy(filters, cell))
    .sort(
      compareBy(
        (c) => c.region,
        (c) => c.milieu,
      ),
    );
  const measures: Measure[] = [
    ...COUNTS.map((key) => ({ key, label: t(`dashboard.households.${key}`), kind: "count" as const })),
    { key: "shareAmoTadamon", label: t("dashboard.households.shareAmoTadamon"), kind: "share" },
    { key: "shareDirectAid", label: t("dashboard.households.shareDirectAid"), kind: "share" },
  ];
  const model: StatisticTableModel = {
    caption: t("dashboard.households.caption"),
    dimensions: [t("dashboard.dimensions.region"), ...(filters.milieu ? [t("dashboard.dimensions.milieu")] : [])],
    measures,
    rows: cells.map((cell) => {
      const counts = COUNTS.map((key) => shownOf(cell[key], key, suppressionsOf(cell)));
      const [, , scored, amo, directAid] = counts;
      return {
        key: `${cell.region ?? "*"}|${cell.milieu ?? "*"}`,
        total: isTotal(cell),
        labels: [labels.region(cell.region), ...(filters.milieu ? [labels.value(cell.milieu)] : [])],
        values: [
          ...counts,
          scored && amo ? shareOf(amo, scored) : { kind: "notApplicable" as const },
          scored && directAid ? shareOf(directAid, scored) : { kind: "notApplicable" as const },
        ],
      };
    }),
    computedAt: latest(cells.map((c) => c.computedAt)),
  };
  const drawn = model.rows.filter((row) => !row.total);

  return (
    <Section
      id="households"
      title={t("dashboard.households.title")}
      state={{ fetching, error: error?.message ?? null }}
      tables={[{ id: "households-table", name: "households", model }]}
      stacked
    >
      {drawn.length > 0 && (
        <StatisticChart
          title={t("dashboard.households.title")}
          labels={drawn.map((row) => row.labels.join(" · "))}
          series={[0, 2, 3, 4].map((i) => ({
            label: measures[i]?.label ?? "",
            data: drawn.map((row) => chartValue(row.values[i])),
          }))}
        />
      )}
      <StatisticTable model={model} id="households-table" />
    </Section>
  );
}
