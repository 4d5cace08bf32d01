import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConsoleDashboardIndexDistributionDocument } from "../../generated/graphql.js";
import { useFormats } from "../../ui/format.js";
import type { Filters } from "../filters.js";
import { Section } from "../Section.js";
import { StatisticChart } from "../StatisticChart.js";
import { StatisticTable } from "../StatisticTable.js";
import { chartValue, latest, type StatisticTableModel, shownOf } from "../statistic-table.js";
import { isTotal, suppressionsOf } from "../suppressions.js";

/** The band widths the API accepts, as its Decimal7 scalar writes them. */
const BAND_WIDTHS = ["0.2500000", "0.5000000", "1.0000000"] as const;

/** Households by band of the socio-economic index (national: the API has no breakdown for it). */
export function IndexSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const selectId = useId();
  const [bandWidth, setBandWidth] = useState<string>("0.5000000");
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleDashboardIndexDistributionDocument,
    variables: { bandWidth },
  });
  const bands = [...(data?.indexDistribution ?? [])].sort((a, b) => Number(a.from ?? 0) - Number(b.from ?? 0));
  const model: StatisticTableModel = {
    caption: t("dashboard.index.caption"),
    dimensions: [t("dashboard.dimensions.band")],
    measures: [{ key: "households", label: t("dashboard.index.households"), kind: "count" }],
    rows: bands.map((band) => ({
      key: `${band.from ?? "*"}`,
      total: isTotal(band),
      labels: [
        band.from && band.to ? `${formats.decimal(band.from)} – ${formats.decimal(band.to)}` : t("dashboard.total"),
      ],
      values: [shownOf(band.households, "households", suppressionsOf(band))],
    })),
    computedAt: latest(bands.map((b) => b.computedAt)),
  };
  const drawn = model.rows.filter((row) => !row.total);
  const controls = (
    <div className="field field--inline">
      <label htmlFor={selectId}>{t("dashboard.index.bandWidth")}</label>
      <select id={selectId} value={bandWidth} onChange={(event) => setBandWidth(event.target.value)}>
        {BAND_WIDTHS.map((width) => (
          <option key={width} value={width}>
            {formats.decimal(width)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <Section
      id="index"
      title={t("dashboard.index.title")}
      state={{ fetching, error: error?.message ?? null }}
      tables={[{ id: "index-table", name: "index-distribution", model }]}
      controls={controls}
      note={filters.region || filters.milieu ? t("dashboard.notFiltered") : null}
    >
      {drawn.length > 0 && (
        <StatisticChart
          title={t("dashboard.index.title")}
          labels={drawn.map((row) => row.labels.join(""))}
          series={[{ label: t("dashboard.index.households"), data: drawn.map((row) => chartValue(row.values[0])) }]}
        />
      )}
      <StatisticTable model={model} id="index-table" />
    </Section>
  );
}
