/**
 * The order categories are indexed and answered in, so that the result never depends on the order
 * the register's rows came in: by the number a category starts with, if any ("5-14" before
 * "15-24", "0.25" before "0.5", region "02" before "11"), then by code unit, never by locale.
 */
const LEADING_NUMBER = /^-?\d+(\.\d+)?/;

function leadingNumber(category: string): number | undefined {
  const match = LEADING_NUMBER.exec(category);
  return match ? Number(match[0]) : undefined;
}

export function compareCategories(a: string, b: string): number {
  const x = leadingNumber(a);
  const y = leadingNumber(b);
  if (x !== undefined && y !== undefined && x !== y) {
    return x - y;
  }
  if (x !== undefined && y === undefined) {
    return -1;
  }
  if (x === undefined && y !== undefined) {
    return 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
