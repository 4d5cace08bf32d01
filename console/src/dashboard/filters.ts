import type { Milieu } from "../generated/graphql.js";

/**
 * The dashboard's filters. The statistics API has no filter argument, only breakdowns: a filter
 * adds its dimension to the breakdown of every table that has it and keeps that value's rows.
 */
export interface Filters {
  region: string | null;
  milieu: Milieu | null;
}

export function keptBy(filters: Filters, cell: { region?: string | null; milieu?: Milieu | null }): boolean {
  return (
    (!filters.region || !("region" in cell) || cell.region === filters.region) &&
    (!filters.milieu || !("milieu" in cell) || cell.milieu === filters.milieu)
  );
}
