import { useTranslation } from "react-i18next";
import { type Formats, useFormats } from "../ui/format.js";
import { Suppressed } from "../ui/Suppressed.js";
import type { MeasureKind, Shown, StatisticTableModel } from "./statistic-table.js";

function formatted(formats: Formats, kind: MeasureKind, value: number | string): string {
  if (kind === "amount") {
    return formats.amount(String(value));
  }
  return kind === "share" ? formats.percent(Number(value)) : formats.count(Number(value));
}

function ShownValue({ shown, kind }: { shown: Shown | undefined; kind: MeasureKind }) {
  const { t } = useTranslation();
  const formats = useFormats();
  if (!shown || shown.kind === "notApplicable") {
    return t("dashboard.notApplicable");
  }
  return shown.kind === "suppressed" ? <Suppressed reason={shown.reason} /> : formatted(formats, kind, shown.value);
}

/** The figures of a section, the accessible equivalent of its chart. */
export function StatisticTable({ model, id }: { model: StatisticTableModel; id: string }) {
  const { t } = useTranslation();
  if (model.rows.length === 0) {
    return <p>{t("dashboard.empty")}</p>;
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a keyboard must reach a scrolling region to scroll it (WCAG 2.1.1, axe's scrollable-region-focusable)
    <section className="table-scroll" tabIndex={0} aria-labelledby={`${id}-caption`}>
      <table className="data" id={id} data-testid={id}>
        <caption id={`${id}-caption`}>{model.caption}</caption>
        <thead>
          <tr>
            {model.dimensions.map((dimension) => (
              <th key={dimension} scope="col">
                {dimension}
              </th>
            ))}
            {model.measures.map((measure) => (
              <th key={measure.key} scope="col">
                {measure.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {model.rows.map((row) => (
            <tr key={row.key} className={row.total ? "total" : undefined} data-key={row.key}>
              {row.labels.map((label, i) => (
                <th key={model.dimensions[i] ?? i} scope="row">
                  {label}
                </th>
              ))}
              {model.measures.map((measure, i) => (
                <td key={measure.key} className="number" data-measure={measure.key}>
                  <ShownValue shown={row.values[i]} kind={measure.kind} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
