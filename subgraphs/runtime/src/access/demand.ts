/*
 * Demand-control declarations (Federation `@cost` / `@listSize`) shared by the registers, so that a
 * reviewer reads one figure for one fact. Each register spreads them into its Pothos field options;
 * the gateway estimates every operation from what the supergraph then carries.
 */

/** A household has at most 30 members (the social register refuses more): an upper bound, not a mean. */
export const HOUSEHOLD_MEMBERS = { listSize: { assumedSize: 30 } };

/**
 * An aggregate is a scan of a register's table whatever the number of cells, so each cell weighs
 * more than a row read by key; 200 cells covers every cross of two or three dimensions.
 */
export const STATISTICS = { cost: 5, listSize: { assumedSize: 200 } };

/** A short list of a row's own parts (components, factors, checks): a few, never hundreds. */
export const PARTS = { listSize: { assumedSize: 10 } };

/** A row's history (indexes, declarations, coverages, applications): years of it, not thousands. */
export const HISTORY = { listSize: { assumedSize: 20 } };

/** One answer per programme (`Program` has three values). */
export const PER_PROGRAMME = { listSize: { assumedSize: 3 } };
