/** Affiliations are read and acted on nationwide, in a case worker's region, or by their own people. */
export const AFFILIATION_ROWS = ["sameRegion", "self"] as const;
