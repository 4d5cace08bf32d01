import type { CsvValue } from "../ui/csv.js";

/*
 * What a dashboard table shows, built once from the API's cells and used three times: the table,
 * its chart and its CSV export, so that the three can never disagree. A measure the register
 * withheld stays withheld all the way (never 0, never blank, never summed).
 */
export type MeasureKind = "count" | "amount" | "share";

export interface Measure {
  key: string;
  label: string;
  kind: MeasureKind;
}

export type Shown =
  | { kind: "value"; value: number | string }
  | { kind: "suppressed"; reason: string }
  | { kind: "notApplicable" };

export interface TableRow {
  key: string;
  /** A total the API computed (row, column or grand total). */
  total: boolean;
  /** One label per dimension, as shown. */
  labels: string[];
  values: Shown[];
}

export interface StatisticTableModel {
  caption: string;
  dimensions: string[];
  measures: Measure[];
  rows: TableRow[];
  /** The latest as-of time of the cells shown. */
  computedAt: string | null;
}

export interface Suppression {
  measure: string;
  reason: string;
}

/** A measure of a cell as shown: its value, or why it was withheld. */
export function shownOf(
  value: number | string | null | undefined,
  measure: string,
  suppressed: readonly Suppression[] = [],
): Shown {
  const suppression = suppressed.find((s) => s.measure === measure);
  if (suppression) {
    return { kind: "suppressed", reason: suppression.reason };
  }
  // A null the API does not explain is still not a zero: shown as withheld, without a reason.
  return value === null || value === undefined ? { kind: "suppressed", reason: "UNKNOWN" } : { kind: "value", value };
}

/** A share of two measures; withheld if either is (the share would reveal it). */
export function shareOf(part: Shown, whole: Shown): Shown {
  if (part.kind === "suppressed") {
    return part;
  }
  if (whole.kind === "suppressed") {
    return whole;
  }
  if (part.kind !== "value" || whole.kind !== "value" || Number(whole.value) === 0) {
    return { kind: "notApplicable" };
  }
  return { kind: "value", value: Number(part.value) / Number(whole.value) };
}

/** The number a chart draws for a measure; null (a gap) when withheld. */
export function chartValue(shown: Shown | undefined): number | null {
  return shown?.kind === "value" ? Number(shown.value) : null;
}

export function latest(times: readonly (string | null | undefined)[]): string | null {
  return times.reduce<string | null>((max, time) => (time && (!max || time > max) ? time : max), null);
}

function csvValue(shown: Shown | undefined, kind: MeasureKind): CsvValue {
  if (shown?.kind !== "value") {
    return null;
  }
  // Machine-readable figures: amounts keep their decimal string, shares four decimals.
  return kind === "share" ? Number(Number(shown.value).toFixed(4)) : shown.value;
}

/**
 * The CSV of a table: the same rows and columns, each withheld value empty and named, with its
 * reason, in a last column (so that a spreadsheet never reads it as 0).
 */
export function csvRows(
  model: StatisticTableModel,
  suppressedHeader: string,
  reasonText: (reason: string) => string,
): { header: string[]; rows: CsvValue[][] } {
  return {
    header: [...model.dimensions, ...model.measures.map((m) => m.label), suppressedHeader],
    rows: model.rows.map((row) => [
      ...row.labels,
      ...model.measures.map((measure, i) => csvValue(row.values[i], measure.kind)),
      model.measures
        .flatMap((measure, i) => {
          const shown = row.values[i];
          return shown?.kind === "suppressed" ? [`${measure.label}: ${reasonText(shown.reason)}`] : [];
        })
        .join("; "),
    ]),
  };
}
