import { builder } from "../builder.js";
import "./person.js";
import "./registration.js";
import "./statistics.js";
import "./verification.js";

/** The population register's subgraph schema (Federation 2). */
export const schema = builder.toSubGraphSchema({
  linkUrl: "https://specs.apollo.dev/federation/v2.9",
});
