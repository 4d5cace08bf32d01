import { subgraphSchemaOf } from "@spx/runtime/subgraph";
import { builder } from "./builder.js";
import "./affiliation.js";
import "./coverage.js";

/** The health-insurance subgraph schema (Federation 2). */
export const schema = subgraphSchemaOf(builder);
