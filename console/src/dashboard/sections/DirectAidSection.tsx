import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConsoleDashboardDirectAidDocument, type DirectAidStatisticDimension } from "../../generated/graphql.js";
import { type Filters, keptBy } from "../filters.js";
import { compareBy } from "../labels.js";
import { Section } from "../Section.js";
import { StatisticChart } from "../StatisticChart.js";
import { StatisticTable } from "../StatisticTable.js";
import { chartValue, latest, type Measure, type StatisticTableModel, shownOf } from "../statistic-table.js";
import { isTotal, suppressionsOf } from "../suppressions.js";
import { useLabels } from "../use-labels.js";

const MEASURES = ["households", "children", "amount"] as const;

/** Direct-aid enrolments paid and amounts, by month (in the filtered region) and by region. */
export function DirectAidSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const byRegion = !!filters.region;
  const byMonth: DirectAidStatisticDimension[] = byRegion ? ["REGION", "MONTH"] : ["MONTH"];
  const [{ data, fetching, error }] = useQuery({ query: ConsoleDashboardDirectAidDocument, variables: { byMonth } });
  const measures: Measure[] = MEASURES.map((key) => ({
    key,
    label: t(`dashboard.directAid.${key}`),
    kind: key === "amount" ? "amount" : "count",
  }));

  const months = (data?.byMonth ?? [])
    .filter((cell) => keptBy(filters, cell))
    .sort(
      compareBy(
        (c) => c.region,
        (c) => c.month,
      ),
    );
  const monthModel: StatisticTableModel = {
    caption: t("dashboard.directAid.captionMonth"),
    dimensions: [...(byRegion ? [t("dashboard.dimensions.region")] : []), t("dashboard.dimensions.month")],
    measures,
    rows: months.map((cell) => ({
      key: `${cell.region ?? "*"}|${cell.month ?? "*"}`,
      total: isTotal(cell),
      labels: [...(byRegion ? [labels.region(cell.region)] : []), labels.month(cell.month)],
      values: MEASURES.map((key) => shownOf(cell[key], key, suppressionsOf(cell))),
    })),
    computedAt: latest(months.map((c) => c.computedAt)),
  };

  const regions = (data?.byRegion ?? []).filter((cell) => keptBy(filters, cell)).sort(compareBy((c) => c.region));
  const regionModel: StatisticTableModel = {
    caption: t("dashboard.directAid.captionRegion"),
    dimensions: [t("dashboard.dimensions.region")],
    measures,
    rows: regions.map((cell) => ({
      key: cell.region ?? "*",
      total: isTotal(cell),
      labels: [labels.region(cell.region)],
      values: MEASURES.map((key) => shownOf(cell[key], key, suppressionsOf(cell))),
    })),
    computedAt: latest(regions.map((c) => c.computedAt)),
  };
  const drawnMonths = monthModel.rows.filter((row) => !row.total);
  const drawnRegions = regionModel.rows.filter((row) => !row.total);

  return (
    <Section
      id="direct-aid"
      title={t("dashboard.directAid.title")}
      state={{ fetching, error: error?.message ?? null }}
      tables={[
        { id: "direct-aid-month-table", name: "direct-aid-by-month", model: monthModel },
        { id: "direct-aid-region-table", name: "direct-aid-by-region", model: regionModel },
      ]}
      note={filters.milieu ? t("dashboard.notByMilieu") : null}
    >
      {drawnMonths.length > 0 && (
        <StatisticChart
          type="line"
          title={t("dashboard.directAid.captionMonth")}
          labels={drawnMonths.map((row) => row.labels[row.labels.length - 1] ?? "")}
          series={[
            { label: measures[0]?.label ?? "", data: drawnMonths.map((row) => chartValue(row.values[0])) },
            {
              label: measures[2]?.label ?? "",
              data: drawnMonths.map((row) => chartValue(row.values[2])),
              axis: "right",
            },
          ]}
        />
      )}
      <StatisticTable model={monthModel} id="direct-aid-month-table" />
      {drawnRegions.length > 0 && (
        <StatisticChart
          title={t("dashboard.directAid.captionRegion")}
          labels={drawnRegions.map((row) => row.labels[0] ?? "")}
          series={[{ label: measures[0]?.label ?? "", data: drawnRegions.map((row) => chartValue(row.values[0])) }]}
        />
      )}
      <StatisticTable model={regionModel} id="direct-aid-region-table" />
    </Section>
  );
}
