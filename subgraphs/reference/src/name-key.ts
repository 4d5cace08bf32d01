/** Lower-case, accent-free, single-spaced: how names are compared for search and duplicates. */
export function foldName(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** "last first": a prefix search on the family name is a prefix search on this key. */
export function nameKey(lastName: string, firstName: string): string {
  return `${foldName(lastName)} ${foldName(firstName)}`;
}
