import type { TFunction } from "i18next";
import type { Region } from "../app/console-config.js";
import { regionLabel } from "../ui/caller-labels.js";
import type { Formats } from "../ui/format.js";

/*
 * The dimensions' values as a reader sees them. A dimension the API left null in a cell of an
 * answer broken down by it is that dimension's total.
 */
const VALUES = [
  "MALE",
  "FEMALE",
  "URBAN",
  "RURAL",
  "AMO_TADAMON",
  "AMO_SALARIED",
  "AMO_TNS",
  "AMO_ACHAMIL",
  "PENDING",
  "ACTIVE",
  "SUSPENDED",
  "CLOSED",
] as const;
type KnownValue = (typeof VALUES)[number];
const isKnown = (value: string): value is KnownValue => (VALUES as readonly string[]).includes(value);

export interface Labels {
  region(code: string | null | undefined): string;
  value(code: string | null | undefined): string;
  month(month: string | null | undefined): string;
  plain(value: string | null | undefined): string;
}

export function labelsFor(t: TFunction, regions: readonly Region[], formats: Formats): Labels {
  const total = t("dashboard.total");
  return {
    region: (code) => (code ? (regionLabel(regions, code) ?? code) : total),
    value: (code) => (code ? (isKnown(code) ? t(`dashboard.values.${code}`) : code) : total),
    month: (month) => (month ? formats.month(month) : total),
    plain: (value) => value ?? total,
  };
}

/** Orders age bands by their first age ("5-14" before "15-24", "65+" last). */
export function ageOrder(band: string | null | undefined): number {
  return band ? Number.parseInt(band, 10) : Number.POSITIVE_INFINITY;
}

/** Totals last, then the natural order of each dimension. */
export function compareBy<T>(...keys: ((cell: T) => string | number | null | undefined)[]) {
  return (a: T, b: T): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x === y) {
        continue;
      }
      if (x === null || x === undefined) {
        return 1;
      }
      if (y === null || y === undefined) {
        return -1;
      }
      return x < y ? -1 : 1;
    }
    return 0;
  };
}
