import { type Catalogue, grantKey } from "@spx/runtime/access";

/** The scope every statistics field is read with. */
export const STATISTICS_SCOPE = "stats:read";

const escapeCell = (text: string) => text.replaceAll("|", "\\|");

/**
 * The "Disclosure control in statistics" section of `schema/access-policy.md`, beside the grants:
 * the method as `@spx/runtime/disclosure` applies it, the catalogue's parameters, the statistics
 * fields (`statisticsFields`: the Query fields read with `stats:read`) and the grants that read them.
 */
export function disclosureMarkdown(catalogue: Catalogue, statisticsFields: readonly string[]): string[] {
  const { threshold, dominancePercent } = catalogue.disclosure;
  const readers = catalogue.grants.filter((grant) => grant.scopes.includes(STATISTICS_SCOPE));
  return [
    "## Disclosure control in statistics",
    "",
    `Every statistics field (${statisticsFields.map((f) => `\`${f}\``).join(", ")}) is protected by the`,
    "register that computes it, before the answer leaves it (`@spx/runtime/disclosure`): every consumer of",
    "the graph gets the same protection, the console as any agency's own client.",
    "",
    "| Setting (`disclosure` in the catalogue) | Value | Meaning |",
    "| --- | --: | --- |",
    `| threshold | ${threshold} | Counts of contributing units (persons, households, beneficiaries), and the contributors of a sum, from 1 to ${threshold - 1} are never published |`,
    `| dominancePercent | ${dominancePercent} | p of the p% rule: a sum is hidden when its total minus its two largest contributions is less than ${dominancePercent}% of the largest (the second contributor could estimate the largest within ${dominancePercent}%) |`,
    "",
    "The method, applied to each statistic's whole lattice (every combination of a category or the total",
    "for each of its dimensions, every level of nested bands), once per snapshot of the data:",
    "",
    `1. Primary suppression. A count from 1 to ${threshold - 1} (\`SMALL_COUNT\`); a count that is part of another`,
    `   (eligible households of the scored ones) whose complement, the other minus this one, is from 1 to ${threshold - 1}`,
    `   (\`COMPLEMENT\`); a sum over 1 to ${threshold - 1} contributors, whatever its value (\`SMALL_COUNT\`); a sum failing`,
    `   the p% rule, computed over the cell's own contributions (\`DOMINANCE\`).`,
    "2. Secondary suppression over the whole lattice, totals included (`SECONDARY`): cells safe on their own",
    "   are hidden too, so that no hidden cell can be recomputed from the published ones, by any",
    "   combination of row, column, intermediate and grand totals. First the singleton rule (a total",
    "   or part alone hidden in its line would be total minus parts: the smallest other part is hidden",
    "   too, a total only when no part can be), then an exact check by linear algebra over the integers",
    "   that no hidden cell is determined by the published cells, hiding more until none is. A sum is",
    "   hidden wherever the count of its contributors is (a sum of scheduled amounts gives the count",
    "   back). Should the check not settle, the statistic's measure is hidden everywhere but its grand total.",
    "3. Zeros are published: an empty cell protects no one, and an attacker knows the empty cells anyway.",
    "4. The same pattern for every call and every caller. Answers are cut from the one protected lattice:",
    "   asking twice, or by one dimension and then by two, with or without totals, gives each cell the",
    "   same value or the same null. The settings are the catalogue's, one for the whole graph and never",
    "   per grant: a pattern that varied by caller would let two agencies difference their answers.",
    "5. A hidden value is `null`, never 0, and the cell's `suppressed` list names the measure and the",
    "   reason (`SMALL_COUNT`, `COMPLEMENT`, `DOMINANCE`, `SECONDARY`). Published totals are the true",
    "   totals: where parts are hidden, the published parts alone add up to less.",
    "",
    "Not covered: bounds on a hidden cell (a count known to lie between two values is not hidden",
    "further); one statistic compared with another (each is protected on its own lattice); two",
    "snapshots compared (a new snapshot after one registration may differ in one cell).",
    "",
    `Grants that read statistics (scope \`${STATISTICS_SCOPE}\`):`,
    "",
    "| Agency / role | Purpose | Purposes a request may state |",
    "| --- | --- | --- |",
    ...readers.map(
      (grant) =>
        `| ${grantKey(grant.agency, grant.role)} | ${escapeCell(grant.purpose)} | ${grant.purposes.join(", ")} |`,
    ),
  ];
}
