/**
 * CSV export of exactly what a table shows, built in the page (RFC 4180 quoting, UTF-8 with a byte
 * order mark so that spreadsheet programs read Arabic and accents) and handed to the browser as a
 * Blob download: nothing is sent anywhere.
 */
export type CsvValue = string | number | null;

function quoted(value: CsvValue): string {
  if (value === null) {
    return "";
  }
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `${[header, ...rows].map((row) => row.map(quoted).join(",")).join("\r\n")}\r\n`;
}

export function downloadCsv(filename: string, csv: string): void {
  const url = URL.createObjectURL(new Blob(["\ufeff", csv], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn: the download has started by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
