import { builder } from "../builder.js";
import "./affiliation.js";
import "./coverage.js";

/** The health-insurance subgraph schema (Federation 2). */
export const schema = builder.toSubGraphSchema({
  linkUrl: "https://specs.apollo.dev/federation/v2.9",
});
