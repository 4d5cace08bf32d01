/**
 * The console's own pages (client-side routes): the gateway answers each with index.html, so that
 * a bookmark or a reload lands on the right page. Any other unknown path is a 404, not the page:
 * a mistyped address must not look like a working one.
 */
const PAGES: readonly RegExp[] = [
  /^\/$/,
  /^\/login$/,
  /^\/login\/callback$/,
  /^\/dashboard$/,
  /^\/desk$/,
  // The IDCS is checked by the page and the graph; here only its shape as one path segment.
  /^\/desk\/person\/[0-9]{1,20}$/,
  /^\/me$/,
];

export function isConsolePage(path: string): boolean {
  return PAGES.some((page) => page.test(path));
}
