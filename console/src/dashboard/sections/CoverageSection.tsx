import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConsoleDashboardCoverageDocument, type CoverageStatisticDimension } from "../../generated/graphql.js";
import { type Filters, keptBy } from "../filters.js";
import { compareBy } from "../labels.js";
import { Section } from "../Section.js";
import { StatisticChart } from "../StatisticChart.js";
import { StatisticTable } from "../StatisticTable.js";
import { chartValue, latest, type StatisticTableModel, shownOf } from "../statistic-table.js";
import { isTotal, suppressionsOf } from "../suppressions.js";
import { useLabels } from "../use-labels.js";

/** AMO beneficiaries by regime and affiliation status (and region when filtered). */
export function CoverageSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const byRegion = !!filters.region;
  const by: CoverageStatisticDimension[] = byRegion ? ["REGION", "REGIME", "STATUS"] : ["REGIME", "STATUS"];
  const [{ data, fetching, error }] = useQuery({ query: ConsoleDashboardCoverageDocument, variables: { by } });

  const cells = (data?.coverageStatistics ?? [])
    .filter((cell) => keptBy(filters, cell))
    .sort(
      compareBy(
        (c) => c.region,
        (c) => c.regime,
        (c) => c.status,
      ),
    );
  const model: StatisticTableModel = {
    caption: t("dashboard.coverage.caption"),
    dimensions: [
      ...(byRegion ? [t("dashboard.dimensions.region")] : []),
      t("dashboard.dimensions.regime"),
      t("dashboard.dimensions.status"),
    ],
    measures: [{ key: "beneficiaries", label: t("dashboard.coverage.beneficiaries"), kind: "count" }],
    rows: cells.map((cell) => ({
      key: `${cell.region ?? "*"}|${cell.regime ?? "*"}|${cell.status ?? "*"}`,
      total: isTotal(cell),
      labels: [...(byRegion ? [labels.region(cell.region)] : []), labels.value(cell.regime), labels.value(cell.status)],
      values: [shownOf(cell.beneficiaries, "beneficiaries", suppressionsOf(cell))],
    })),
    computedAt: latest(cells.map((c) => c.computedAt)),
  };

  // Drawn as regimes along the axis, one series per status.
  const drawnCells = cells.filter((cell) => !isTotal(cell) && cell.regime && cell.status);
  const regimes = [...new Set(drawnCells.map((c) => c.regime))];
  const statuses = [...new Set(drawnCells.map((c) => c.status))];
  const series = statuses.map((status) => ({
    label: labels.value(status),
    data: regimes.map((regime) => {
      const cell = drawnCells.find((c) => c.regime === regime && c.status === status);
      return cell ? chartValue(shownOf(cell.beneficiaries, "beneficiaries", suppressionsOf(cell))) : null;
    }),
  }));

  return (
    <Section
      id="coverage"
      title={t("dashboard.coverage.title")}
      state={{ fetching, error: error?.message ?? null }}
      tables={[{ id: "coverage-table", name: "amo-coverage", model }]}
      note={filters.milieu ? t("dashboard.notByMilieu") : null}
    >
      {regimes.length > 0 && (
        <StatisticChart
          title={t("dashboard.coverage.title")}
          labels={regimes.map((regime) => labels.value(regime))}
          series={series}
        />
      )}
      <StatisticTable model={model} id="coverage-table" />
    </Section>
  );
}
