/*
 * What the scans for personal data look for, shared by the logs' and the traces' tests: for each
 * person served, the IDCS, CIN, telephone (its last 9 digits, whatever the prefix) and last names,
 * each found only as a whole word, so that a longer number or name holding it does not count.
 */

export interface PersonRow {
  idcs: string;
  cin: string | null;
  last_name: string;
  last_name_ar: string;
  phone: string | null;
}

/** The population register's columns the scans read, for `SELECT … FROM person`. */
export const PERSON_COLUMNS = "idcs, cin, last_name, last_name_ar, phone";

export function personalValuesOf(persons: readonly PersonRow[]): string[] {
  return persons
    .flatMap((person) => [person.idcs, person.cin, person.phone?.slice(-9), person.last_name, person.last_name_ar])
    .filter((value): value is string => Boolean(value));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The values that appear in `text` as whole words. */
export function leaked(values: readonly string[], text: string): string[] {
  return values.filter((value) => new RegExp(`(^|[^\\p{L}\\d])${escapeRegExp(value)}($|[^\\p{L}\\d])`, "u").test(text));
}
