import type { ReactNode } from "react";
import { Trans, useTranslation } from "react-i18next";
import { downloadCsv, toCsv } from "../ui/csv.js";
import { useFormats } from "../ui/format.js";
import { useSuppressionReason } from "../ui/Suppressed.js";
import { csvRows, type StatisticTableModel } from "./statistic-table.js";

/** What a section's query is doing: its tables once it answered. */
export interface SectionState {
  fetching: boolean;
  error: string | null;
}

/**
 * One block of the dashboard: a heading, the as-of time, its controls, its chart(s) and table(s),
 * and a CSV export of each table exactly as shown.
 */
export function Section({
  id,
  title,
  state,
  tables,
  controls,
  note,
  stacked = false,
  children,
}: {
  id: string;
  title: string;
  state: SectionState;
  tables: { id: string; name: string; model: StatisticTableModel }[];
  controls?: ReactNode;
  note?: string | null;
  /** The chart above its table: for tables too wide to sit beside it. */
  stacked?: boolean;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const formats = useFormats();
  const reasonText = useSuppressionReason();
  const computedAt = tables.reduce<string | null>(
    (max, table) => (table.model.computedAt && (!max || table.model.computedAt > max) ? table.model.computedAt : max),
    null,
  );
  const headingId = `${id}-title`;
  return (
    <section className="dashboard-section" id={id} aria-labelledby={headingId} aria-busy={state.fetching}>
      <h2 id={headingId}>{title}</h2>
      {computedAt && (
        <p className="as-of" data-testid={`${id}-as-of`}>
          <Trans
            i18nKey="dashboard.asOf"
            values={{ time: formats.dateTime(computedAt) }}
            components={{ when: <time dateTime={computedAt} /> }}
          />
        </p>
      )}
      {controls}
      {note && <p className="hint">{note}</p>}
      {state.error && (
        <p role="alert" className="error">
          {t("dashboard.failed", { reason: state.error })}
        </p>
      )}
      {state.fetching && tables.every((table) => table.model.rows.length === 0) && (
        <p role="status">{t("dashboard.loading")}</p>
      )}
      <div className={stacked ? "figures figures--stacked" : "figures"}>{children}</div>
      {tables.length > 0 && !state.error && (
        <div className="exports">
          {tables.map((table) => (
            <button
              key={table.id}
              type="button"
              className="button button--quiet"
              disabled={table.model.rows.length === 0}
              onClick={() => {
                const { header, rows } = csvRows(table.model, t("csv.suppressedColumn"), reasonText);
                const date = new Date().toISOString().slice(0, 10);
                downloadCsv(t("dashboard.exportFile", { name: table.name, date }), toCsv(header, rows));
              }}
            >
              {t("csv.export")} — {table.model.caption}
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
