import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConsoleDashboardPopulationDocument, type StatisticDimension } from "../../generated/graphql.js";
import { type Filters, keptBy } from "../filters.js";
import { ageOrder, compareBy } from "../labels.js";
import { Section } from "../Section.js";
import { StatisticChart } from "../StatisticChart.js";
import { StatisticTable } from "../StatisticTable.js";
import { chartValue, latest, type StatisticTableModel, shownOf } from "../statistic-table.js";
import { isTotal, suppressionsOf } from "../suppressions.js";
import { useLabels } from "../use-labels.js";

const DIMENSIONS: readonly StatisticDimension[] = ["REGION", "SEX", "AGE_BAND", "MILIEU"];
const DIMENSION_KEYS = { REGION: "region", SEX: "sex", AGE_BAND: "ageBand", MILIEU: "milieu" } as const;

/** Registrations in the population register, broken down as the reader chooses. */
export function PopulationSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const legendId = useId();
  const [chosen, setChosen] = useState<ReadonlySet<StatisticDimension>>(new Set(["REGION"]));
  const forced = (d: StatisticDimension) =>
    (d === "REGION" && !!filters.region) || (d === "MILIEU" && !!filters.milieu);
  const by = DIMENSIONS.filter((d) => chosen.has(d) || forced(d));
  // Totals over every subset of the breakdown: readable up to two dimensions, a thousand rows beyond.
  const totals = by.length <= 2;
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleDashboardPopulationDocument,
    variables: { by, totals },
  });

  const cells = (data?.populationStatistics ?? [])
    .filter((cell) => keptBy(filters, cell))
    .sort(
      compareBy(
        (c) => c.region,
        (c) => c.sex,
        (c) => ageOrder(c.ageBand),
        (c) => c.milieu,
      ),
    );
  const labelOf = (d: StatisticDimension, c: (typeof cells)[number]): string => {
    switch (d) {
      case "REGION":
        return labels.region(c.region);
      case "AGE_BAND":
        return labels.plain(c.ageBand);
      case "SEX":
        return labels.value(c.sex);
      case "MILIEU":
        return labels.value(c.milieu);
    }
  };
  const model: StatisticTableModel = {
    caption: t("dashboard.population.caption"),
    dimensions: by.map((d) => t(`dashboard.dimensions.${DIMENSION_KEYS[d]}`)),
    measures: [{ key: "count", label: t("dashboard.population.count"), kind: "count" }],
    rows: cells.map((cell) => ({
      key: by.map((d) => cell[DIMENSION_KEYS[d]] ?? "*").join("|"),
      total: isTotal(cell),
      labels: by.map((d) => labelOf(d, cell)),
      values: [shownOf(cell.count, "count", suppressionsOf(cell))],
    })),
    computedAt: latest(cells.map((c) => c.computedAt)),
  };
  const drawn = model.rows.filter((row) => !row.total);

  const controls = (
    <fieldset className="breakdown" aria-describedby={legendId}>
      <legend id={legendId}>{t("dashboard.population.breakdown")}</legend>
      {DIMENSIONS.map((d) => (
        <label key={d} className="choice">
          <input
            type="checkbox"
            checked={chosen.has(d) || forced(d)}
            // A breakdown by nothing is not a table: the last dimension stays.
            disabled={forced(d) || (chosen.has(d) && by.length === 1)}
            onChange={(event) => {
              const next = new Set(chosen);
              if (event.target.checked) {
                next.add(d);
              } else {
                next.delete(d);
              }
              setChosen(next);
            }}
          />
          <span>{t(`dashboard.dimensions.${DIMENSION_KEYS[d]}`)}</span>
        </label>
      ))}
    </fieldset>
  );

  return (
    <Section
      id="population"
      title={t("dashboard.population.title")}
      state={{ fetching, error: error?.message ?? null }}
      tables={[{ id: "population-table", name: "population", model }]}
      controls={controls}
    >
      {drawn.length > 0 && (
        <StatisticChart
          title={t("dashboard.population.title")}
          labels={drawn.map((row) => row.labels.join(" · "))}
          series={[{ label: t("dashboard.population.count"), data: drawn.map((row) => chartValue(row.values[0])) }]}
        />
      )}
      <StatisticTable model={model} id="population-table" />
    </Section>
  );
}
