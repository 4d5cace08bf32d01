/**
 * The operations a consumer polls a producer's event feed with (the transport without NATS). Sent
 * by id like every register document: each is registered for the consuming agencies in
 * schema/trusted-documents/ (CNSS.json, ANSS.json); a change here needs them registered again.
 */
export const FEED_DOCUMENTS: Readonly<Record<string, { field: string; document: string }>> = {
  population: {
    field: "populationEvents",
    document:
      "query PopulationEvents($after: String, $first: Int) { populationEvents(after: $after, first: $first) { id position type occurredAt subject data } }",
  },
  "social-registry": {
    field: "socialRegistryEvents",
    document:
      "query SocialRegistryEvents($after: String, $first: Int) { socialRegistryEvents(after: $after, first: $first) { id position type occurredAt subject data } }",
  },
};

/** One event as the feed serves it (`data` is JSON text). */
export interface FeedEvent {
  id: string;
  position: string;
  type: string;
  occurredAt: string;
  subject: string;
  data: string;
}

/** The feed documents' operation names (`PopulationEvents`, …), as the operation log and metrics see them. */
export const FEED_OPERATIONS: ReadonlySet<string> = new Set(
  Object.values(FEED_DOCUMENTS).map(({ document }) => /^query (\w+)/.exec(document)?.[1] ?? ""),
);
