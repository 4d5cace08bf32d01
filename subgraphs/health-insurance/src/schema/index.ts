import { subgraphSchemaOf } from "@spx/runtime/subgraph";
import { builder } from "./builder.js";
import "./affiliation.js";
import "./notices.js";
import "./coverage.js";
import "./statistics.js";

/** The health-insurance subgraph schema (Federation 2). */
export const schema = subgraphSchemaOf(builder);
