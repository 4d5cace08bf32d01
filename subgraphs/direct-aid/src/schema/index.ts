import { builder } from "../builder.js";
import "./aid.js";
import "./payments.js";

/** The direct-aid subgraph schema (Federation 2). */
export const schema = builder.toSubGraphSchema({
  linkUrl: "https://specs.apollo.dev/federation/v2.9",
});
